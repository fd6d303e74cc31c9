// Package carriersim simulates Bottletrail's three tracking providers on
// one HTTP listener, so that Bottletrail can be developed, demonstrated
// and tested without a real carrier. It speaks each provider's wire format
// exactly as the provider packages in internal/carrier expect it
// (docs/CARRIER-PROTOCOLS.md §1–§3, §8): it verifies every signature,
// answers queries and subscriptions with the provider's own codes, plays a
// scripted scenario per parcel, pushes the scans to the subscriber's
// callback, checks the reply and retries like the provider.
//
// # Endpoints
//
// A Sim is an http.Handler. Point a carrier account's base_url at the
// provider's prefix, e.g. http://127.0.0.1:7070/kuaidi100:
//
//	POST /kuaidi100/poll/query.do                    Kuaidi100 real-time query (sign checked: 503)
//	POST /kuaidi100/poll                             Kuaidi100 subscription (501 while polling)
//	POST /kdniao/Ebusiness/EbusinessOrderHandle.aspx Kuaidiniao query, RequestType 1002 or 8001
//	POST /kdniao/api/dist                            Kuaidiniao subscription, RequestType 1008 or 8008
//	POST /sf/std/service                             SF gateway: EXP_RECE_SEARCH_ROUTES, EXP_RECE_REGISTER_ROUTE
//	GET  /sim/parcels[?tracking_no=&provider=]       parcels with their requests and push log
//	POST /sim/parcels {"carrier","tracking_no","scenario"}  make a number play a scenario
//	POST /sim/accounts {"provider","credentials","callback_url"}  add or replace an account
//	GET  /sim/scenarios                              the scenarios known
//
// The /sim endpoints have no authentication: serve the simulator on
// loopback only.
//
// # Wiring
//
// The bottletrail carriersim command and the demo wire it like this:
//
//	scenarios := carriersim.DefaultScenarios()
//	if dir != "" { // --scenarios DIR adds to, or overrides, the built-in ones
//		extra, err := carriersim.LoadScenarios(dir)
//		if err != nil {
//			return err
//		}
//		maps.Copy(scenarios, extra)
//	}
//	sim, err := carriersim.New(carriersim.Config{
//		Accounts: []carriersim.Account{
//			{Provider: "kuaidi100", Credentials: map[string]string{"customer": "SIMCUSTOMER", "key": "SIMKEY"}},
//			{Provider: "kdniao", Credentials: map[string]string{"ebusiness_id": "1000001", "app_key": "sim-app-key"}},
//			{Provider: "sf", Credentials: map[string]string{"partner_id": "SIMPARTNER", "check_word": "SIMCHECKWORD"}},
//		},
//		Scenarios: scenarios,
//		Rules:     carriersim.DefaultRules(), // …01 normal_delivery … …11 provider_outage
//		Speed:     3600,                      // --speed: an hour of scenario time per second
//		Logger:    logger,
//	})
//	if err != nil {
//		return err
//	}
//	srv := &http.Server{Handler: sim} // on --addr, e.g. 127.0.0.1:7070
//	// … serve; on shutdown: srv.Shutdown(ctx), then sim.Close().
//
// The brand's carrier accounts in Bottletrail carry the same credentials
// (kuaidi100 also a salt, which the simulator takes from each
// subscription) and base_url http://ADDR/kuaidi100, http://ADDR/kdniao or
// http://ADDR/sf.
//
// Kuaidiniao and SF push to an address entered in their consoles, not one
// named in the subscription, so in the simulator it is part of the kdniao
// and sf accounts: once Bottletrail has answered PUT
// /api/v1/carrier-accounts/{provider} with the account's callback_url
// (/hooks/{provider}/{brand}?token=...), give it to the simulator with
// PutAccount (or POST /sim/accounts) and the same credentials. Until then
// those pushes fail with "no callback URL" and are retried. Kuaidi100
// subscriptions name their callback URL and salt themselves.
//
// # Scenarios
//
// A scenario is a JSON file, one per scenario, named after it. Steps are
// scans at a time after the parcel's first contact with the simulator (its
// subscription or first query, whichever comes first); statuses are
// canonical (picked_up, in_transit, out_for_delivery, at_pickup_point,
// delivered, exception, refused, returning, returned) and sub-statuses
// those some provider has a code for (destination_city, forwarded, customs,
// locker_overdue, signed_by_proxy, collected_from_locker,
// signed_after_exception, damaged, stalled, delivery_failed, unreachable,
// address_issue, out_of_area, unsigned_overdue). Durations take Go's syntax
// with optional leading days: "45m", "6h", "1d12h".
//
//	{
//	  "name": "fragile_late",
//	  "description": "Slow, then damaged, then signed.",
//	  "steps": [
//	    {"after": "2h", "status": "picked_up", "description": "【绍兴市】快件已揽收", "location": "绍兴市"},
//	    {"after": "1d6h", "status": "exception", "sub_status": "damaged", "description": "【北京市】快件外包装破损", "location": "北京市"},
//	    {"after": "2d", "status": "delivered", "sub_status": "signed_after_exception", "description": "【北京市】已签收", "location": "北京市"}
//	  ],
//	  "behaviours": {
//	    "duplicate_pushes": false,
//	    "out_of_order": false,
//	    "outage": {"first_requests_fail_with": [500, "timeout"]},
//	    "wrong_carrier": "",
//	    "lost": false,
//	    "stall_after_step": 0
//	  }
//	}
//
// Behaviours: duplicate_pushes sends every push twice; out_of_order reports
// the second step after the third; outage fails the first requests
// Bottletrail makes about the parcel (subscriptions and queries) with an
// HTTP status or a timeout, then serves it normally; wrong_carrier names
// the parcel's real carrier (Kuaidi100 corrects a subscription under
// another code with autoCheck; Kuaidiniao and SF find nothing); lost
// parcels have no steps and Kuaidi100 aborts them with 3天查询无记录 after
// three days; stall_after_step n plays only the first n steps (Kuaidi100
// aborts with 60天无变化 sixty days later).
//
// The built-in scenarios (DefaultScenarios) are normal_delivery,
// split_parcels, delay_stall, damage, refusal, return_after_delivery,
// locker_drop, lost, duplicate_out_of_order, wrong_carrier_code,
// provider_outage, stalled_in_transit (scans stop in line-haul with no
// stall report) and slow_line_haul (five days on the road to Hainan). A split shipment is two parcels of one order, each with
// its own carrier and number playing its own scenario: for example an SF
// parcel ending in 01 (normal_delivery) and a ZTO parcel ending in 02
// (split_parcels, which leaves another warehouse a day later).
//
// Which scenario a number plays: an explicit assignment (Assign, POST
// /sim/parcels) first, then the first Rule naming the number, then the
// first other Rule that matches (by suffix, optionally by carrier). A
// number nothing matches is unknown to the providers, like a lost one.
//
// # Time
//
// Config.Speed compresses scenario time and the providers' retry
// intervals alike: at speed 3600 a step "after 6h" happens 6 s after first
// contact. Scans are reported with the time they happen on the simulator's
// clock (to the second, strictly increasing per parcel), so compressed
// scenarios have compressed timelines and never report a future scan.
//
// Pushes, per parcel in order: Kuaidi100 posts form param and sign
// (kuaidi100.PushSign with the subscription's salt) with the full history
// newest first, status polling, shutdown with the final delivery or return
// and abort as above, and retries a reply other than result true with
// returnCode "200" three times 35 minutes apart. Kuaidiniao posts
// RequestData, RequestType 102 (101 for a standard 1008 subscription) and
// DataSign with the full history, and retries a reply without Success true
// after 2, 10 and 30 minutes. SF posts {"Body":{"WaybillRoute":[...]}} with
// the new routes and their ids, and retries a reply without return_code
// "0000" after 1, 5 and 15 minutes. A step's code per provider comes from
// the tables in codes.go, which the tests hold to what the provider
// packages read back.
//
// Tests set Config.Now and Config.Manual and call Tick after moving their
// clock: due pushes then fire synchronously, retries included. Close stops
// the scheduler, cancels pushes in flight and requests held by an outage,
// and waits for them.
package carriersim
