// Package notifysim simulates the consumer-message providers that
// Bottletrail sends through, on one HTTP listener, so that notifications
// can be developed, demonstrated and tested without a real account, the
// way internal/carriersim does for carriers. It speaks each provider's
// wire format as docs/NOTIFY-PROTOCOLS.md describes it and as the
// clients in internal/notify expect it:
//
//   - Aliyun SMS (dysmsapi 2017-05-25, RPC style): it verifies every
//     request's signature v1 (HMAC-SHA1) against the configured AccessKeys
//     and answers a mismatch with Aliyun's SignatureDoesNotMatch body and
//     the server string to sign; it checks the timestamp (15 minutes) and
//     the nonce, the phone numbers, the TemplateParam JSON and, when
//     templates are configured, their variables; it records accepted
//     messages and answers QuerySendDetails from them.
//   - WeChat mini-program subscription messages: it issues access tokens
//     for the configured appid and secret (/cgi-bin/token, which revokes
//     the previous one, and /cgi-bin/stable_token), and accepts
//     /cgi-bin/message/subscribe/send only with a live token, checking
//     each keyword's value against its type's rules (47003).
//
// # Endpoints
//
// A Sim is an http.Handler. Point the SMS client's BaseURL at
// http://ADDR/aliyun and the WeChat client's at http://ADDR/wechat:
//
//	GET|POST /aliyun/                                Action=SendSms or QuerySendDetails
//	GET      /wechat/cgi-bin/token                   classic access token
//	POST     /wechat/cgi-bin/stable_token            stable access token
//	POST     /wechat/cgi-bin/message/subscribe/send  subscription message
//	GET      /sim/messages[?channel=sms|wechat]      what was received, newest first
//	POST     /sim/faults {"channel","times","mode"}  make the next sends fail
//
// The /sim endpoints have no authentication: serve the simulator on
// loopback only.
//
// # Faults
//
// InjectFault (or POST /sim/faults) makes the next Times sends of a
// channel (SendSms, subscribe/send; never token or report requests) fail:
// FaultError answers the provider's system error (Aliyun isp.SYSTEM_ERROR
// with HTTP 500, WeChat -1) and records nothing; FaultTimeout holds the
// request unanswered until the client gives up; FaultLostReply records the
// message as sent and then holds the reply: the request left and the
// answer was lost, the case the at-most-once rule for SMS exists for.
//
// # Wiring
//
//	sim := notifysim.New(notifysim.Config{
//		AliyunKeys: map[string]string{"SIMACCESSKEY": "sim-access-secret"},
//		WeChatApps: map[string]string{"wxsimapp0000000001": "sim-app-secret"},
//		Logger:     logger,
//	})
//	srv := &http.Server{Handler: sim} // on loopback, e.g. 127.0.0.1:7071
//	// … serve; on shutdown: srv.Shutdown(ctx), then sim.Close().
package notifysim
