package sms_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/bottletrail/bottletrail/internal/notify/sms"
	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Sending through the simulator, which verifies the signature as Aliyun
// does, then checking the delivery report as after an unclear failure.
func ExampleClient_Send() {
	sim := notifysim.New(notifysim.Config{
		AliyunKeys:   map[string]string{"SIMACCESSKEY": "sim-access-secret"},
		SMSTemplates: map[string]string{"SMS_SHIPPED": "您的订单${order}已发货，查看：${link}"},
	})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()

	c := &sms.Client{BaseURL: srv.URL + "/aliyun", AccessKeyID: "SIMACCESSKEY", AccessKeySecret: "sim-access-secret", SignName: "瓶迹"}
	m := &trail.Message{IdempotencyKey: "ntf-7-sms", Channel: trail.ChannelSMS, To: "13812348000", Template: "SMS_SHIPPED",
		Params: []trail.Param{{Name: "order", Value: "WX20261201001"}, {Name: "link", Value: "https://track.example.com/t/abc"}}}
	if _, err := c.Send(context.Background(), m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sim.Messages(trail.ChannelSMS)[0].Text)
	fmt.Println(c.Delivered(context.Background(), m))
	// Output:
	// 【瓶迹】您的订单WX20261201001已发货，查看：https://track.example.com/t/abc
	// true <nil>
}
