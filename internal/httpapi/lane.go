package httpapi

import (
	"net/http"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// laneResponse is one lane's distribution of one metric. "*" in carrier,
// origin or destination pools every value of that level.
type laneResponse struct {
	Metric      trail.LaneMetric `json:"metric"`
	Carrier     string           `json:"carrier"`
	Origin      string           `json:"origin"`
	Destination string           `json:"destination"`
	Samples     int64            `json:"samples"`
	P50Hours    float64          `json:"p50_hours"`
	P90Hours    float64          `json:"p90_hours"`
}

// handleLaneList answers the brand's lane statistics, the most delivered
// lanes first; ?carrier= keeps one carrier's.
func (s *Server) handleLaneList(w http.ResponseWriter, r *http.Request) error {
	carrier := trail.NormalizeCarrier(r.URL.Query().Get("carrier"))
	if _, ok := trail.LookupCarrier(carrier); carrier != "" && !ok {
		return trail.UnknownCarrier("carrier", carrier)
	}
	lanes, err := s.lanes.Lanes(r.Context(), brandID(r), carrier)
	if err != nil {
		return err
	}
	out := make([]laneResponse, len(lanes))
	for i, l := range lanes {
		p50, p90 := l.Quantiles()
		out[i] = laneResponse{Metric: l.Metric, Carrier: l.Lane.Carrier, Origin: l.Lane.Origin, Destination: l.Lane.Dest,
			Samples: l.Samples(), P50Hours: p50, P90Hours: p90}
	}
	return writeJSON(w, http.StatusOK, map[string][]laneResponse{"lanes": out})
}
