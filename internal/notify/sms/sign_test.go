package sms_test

import (
	"net/url"
	"testing"

	"github.com/bottletrail/bottletrail/internal/notify/sms"
)

// vectorA is the SendSms example of Aliyun's "HTTP protocol and signature"
// doc (docs/NOTIFY-PROTOCOLS.md §1.4).
func vectorA() url.Values {
	return url.Values{
		"AccessKeyId":      {"testId"},
		"Action":           {"SendSms"},
		"Format":           {"XML"},
		"OutId":            {"123"},
		"PhoneNumbers":     {"15300000001"},
		"RegionId":         {"cn-hangzhou"},
		"SignName":         {"阿里云短信测试专用"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureNonce":   {"45e25e9b-0a6f-4070-8c85-2956eda1b466"},
		"SignatureVersion": {"1.0"},
		"TemplateCode":     {"SMS_71390007"},
		"TemplateParam":    {`{"customer":"test"}`},
		"Timestamp":        {"2017-07-12T02:42:19Z"},
		"Version":          {"2017-05-25"},
	}
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	withSignature := vectorA()
	withSignature.Set("Signature", "ignored: never part of the string to sign")
	tests := []struct {
		name, method string
		params       url.Values
		secret       string
		toSign, want string
	}{
		{
			name: "SendSms doc example, GET", method: "GET", params: vectorA(), secret: "testSecret",
			toSign: "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25",
			want:   "zJDF+Lrzhj/ThnlvIToysFRq6t4=",
		},
		{name: "the Signature parameter is left out", method: "GET", params: withSignature, secret: "testSecret", want: "zJDF+Lrzhj/ThnlvIToysFRq6t4="},
		{name: "secret is case-sensitive", method: "GET", params: vectorA(), secret: "testsecret", want: "EpROzuoKhdewdxdmVWhll2qdKbk="},
		{name: "same parameters, POST", method: "POST", params: vectorA(), secret: "testSecret", want: "Xvhv7fPXrPkLVSnlt0jIr08o8NQ="},
		{
			name: "generic RPC doc example (ECS DescribeRegions)", method: "GET", secret: "testsecret",
			params: url.Values{
				"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"}, "SignatureMethod": {"HMAC-SHA1"},
				"SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"}, "SignatureVersion": {"1.0"},
				"Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"},
			},
			toSign: "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
			want:   "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
		},
		{name: "empty GET", method: "GET", params: url.Values{}, toSign: "GET&%2F&"},
	}
	for _, tt := range tests {
		if tt.toSign != "" {
			if got := sms.StringToSign(tt.method, tt.params); got != tt.toSign {
				t.Errorf("%s: string to sign:\ngot  %s\nwant %s", tt.name, got, tt.toSign)
			}
		}
		if tt.want != "" {
			if got := sms.Sign(tt.method, tt.params, tt.secret); got != tt.want {
				t.Errorf("%s: signature got %s, want %s", tt.name, got, tt.want)
			}
		}
	}
}

func TestPercentEncode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"a*b", "a%2Ab"},
		{"2017-07-12T02:42:19Z", "2017-07-12T02%3A42%3A19Z"},
		{`{"customer":"test"}`, "%7B%22customer%22%3A%22test%22%7D"},
		{"瓶", "%E7%93%B6"},
		// The SDK's double-encoding vector: encoding the canonical string again.
		{"http%3A%2F%2Fdomain%2F%3Fq%3Dvalue%26q2%3Dvalue2", "http%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2"},
	}
	for _, tt := range tests {
		if got := sms.PercentEncode(tt.in); got != tt.want {
			t.Errorf("PercentEncode(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
