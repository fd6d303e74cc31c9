package trail

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed heat.csv
var heatCSV string

// HeatTable holds the monthly mean daily maximum temperature of each
// province, by GB/T 2260 code: the heat-risk alert's idea of "hot". It is
// read from heat.csv, a table anyone can edit; no weather service is asked.
var HeatTable = mustParseHeatTable(heatCSV)

// Climate maps a province code to its twelve monthly mean daily maxima in
// °C, January first.
type Climate map[string][12]float64

// MeanMax returns the mean daily maximum of a province in the month of t
// (China time), and false for a province the table lacks.
func (h Climate) MeanMax(provinceCode string, t time.Time) (float64, bool) {
	row, ok := h[provinceCode]
	if !ok {
		return 0, false
	}
	return row[t.In(ChinaTime).Month()-1], true
}

// ParseHeatTable reads a heat table: comment lines start with '#', a header
// row, then code, name and twelve monthly values per province.
func ParseHeatTable(s string) (Climate, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("heat table: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("heat table: no rows")
	}
	out := Climate{}
	for _, row := range rows[1:] {
		if len(row) != 14 {
			return nil, fmt.Errorf("heat table: %q has %d columns, want 14", row[0], len(row))
		}
		if _, ok := LookupProvince(row[0]); !ok {
			return nil, fmt.Errorf("heat table: %q is not a province code", row[0])
		}
		var months [12]float64
		for i := range months {
			v, err := strconv.ParseFloat(strings.TrimSpace(row[2+i]), 64)
			if err != nil || v < -60 || v > 60 {
				return nil, fmt.Errorf("heat table: %s month %d: bad temperature %q", row[0], i+1, row[2+i])
			}
			months[i] = v
		}
		out[row[0]] = months
	}
	return out, nil
}

func mustParseHeatTable(s string) Climate {
	h, err := ParseHeatTable(s)
	if err != nil {
		panic(err)
	}
	return h
}
