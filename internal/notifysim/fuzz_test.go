package notifysim

import (
	"encoding/json"
	"testing"
)

// FuzzStringObject: the TemplateParam reader never panics and accepts
// exactly the JSON objects whose values are all strings.
func FuzzStringObject(f *testing.F) {
	for _, s := range []string{`{"customer":"test"}`, `{}`, `{"a":1}`, `{"a":"1","a":"2"}`, `[]`, `{"a":"x"} {}`, `{"a":{"b":"c"}}`, ``, `{`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		params, err := stringObject(b)
		var m map[string]any
		valid := json.Unmarshal(b, &m) == nil && m != nil
		for _, v := range m {
			if _, ok := v.(string); !ok {
				valid = false
			}
		}
		if (err == nil) != valid {
			t.Fatalf("stringObject(%q): %v, %v; json.Unmarshal says valid=%v", b, params, err, valid)
		}
	})
}

// FuzzKeywordObject: the subscription data reader never panics, and every
// keyword check answers.
func FuzzKeywordObject(f *testing.F) {
	f.Add([]byte(`{"thing1":{"value":"订单已发货"},"time2":{"value":"2019年10月1日 15:01"}}`))
	f.Add([]byte(`{"thing1":{"value":1}}`))
	f.Add([]byte(`{"phrase3":{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		params, err := keywordObject(b)
		if err != nil {
			return
		}
		for _, p := range params {
			_ = checkKeyword(p.Name, p.Value)
		}
	})
}
