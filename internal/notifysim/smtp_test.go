package notifysim

import (
	"net"
	"net/smtp"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestSMTPSink(t *testing.T) {
	t.Parallel()
	sim := New(Config{})
	defer sim.Close()
	srv := sim.SMTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	msg := "From: =?UTF-8?B?55O26L+5?= <notify@demo.example>\r\nTo: buyer@example.com\r\nMessage-ID: <b_1-email@demo.example>\r\n" +
		"Subject: =?UTF-8?B?44CQ55O26L+544CR6K6i5Y2VIFdYMe+8muW3suetvuaUtg==?=\r\n\r\n您好\r\n"
	if err := smtp.SendMail(ln.Addr().String(), nil, "notify@demo.example", []string{"buyer@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := sim.Messages(trail.ChannelEmail)
	if len(got) != 1 || got[0].To != "buyer@example.com" || got[0].Text != "【瓶迹】订单 WX1：已签收" || got[0].OutID != "b_1-email@demo.example" {
		t.Fatalf("recorded: %+v", got)
	}
	if err := smtp.SendMail(ln.Addr().String(), nil, "a@b.c", []string{"x@y.z"}, []byte("not a message")); err == nil {
		t.Error("a malformed message was accepted")
	}
}
