package kuaidi100

import "testing"

// The worked examples of docs/CARRIER-PROTOCOLS.md §1.1 and §1.3.
func TestQuerySign(t *testing.T) {
	t.Parallel()
	param := `{"com":"yuantong","num":"YT1234567890123","phone":"13800000000"}`
	if got, want := QuerySign(param, "TESTKEY", "TESTCUSTOMER0001"), "1FA99603F34DEE7BAEC9C4361026E6FF"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPushSign(t *testing.T) {
	t.Parallel()
	param := `{"status":"polling","billstatus":"","message":"","lastResult":{"message":"ok","state":"0","status":"200","condition":"F00","ischeck":"0","com":"yuantong","nu":"YT1234567890123","data":[]}}`
	if got, want := PushSign(param, "abc123"), "F79009130DBFEDEDAB7A397F4F39F34E"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
