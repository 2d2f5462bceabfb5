package apidocs

import (
	"strings"
	"testing"
)

func envelope(event, payload string) string {
	return `{"id":"evt_01kn2mhyrzz2bmh6xda0w3aftx","timestamp":1774983904031,"session":"default","metadata":{"k":"v"},` +
		`"engine":"NOWEB","event":"` + event + `","payload":` + payload + `,"me":` + me + `,` +
		`"environment":{"version":"test","engine":"NOWEB","tier":"CORE","browser":null,"platform":"linux/amd64","worker":{"id":null}}}`
}

func TestValidateEvent(t *testing.T) {
	v := newValidator(t)
	ack := `{"id":"true_11111111111@c.us_AAAA","from":"11111111111@c.us","to":"22222222222@c.us","fromMe":true,"ack":3,"ackName":"READ"}`
	groupAck := `{"id":"true_1@g.us_AAAA_2@c.us","from":"1@g.us","to":"2@c.us","participant":"3@c.us","fromMe":true,"ack":3,"ackName":"READ"}`
	edited := strings.TrimSuffix(waMessageBare, "}") + `,"editedMessageId":"AAAA"}`
	status := `{"name":"default","status":"WORKING","statuses":[{"status":"STARTING","timestamp":1},{"status":"WORKING","timestamp":2}],"data":null}`
	for _, c := range []struct{ name, body string }{
		{"message", envelope("message", waMessage)},
		{"message.any", envelope("message.any", waMessageBare)},
		{"message.ack", envelope("message.ack", ack)},
		{"message.ack.group", envelope("message.ack.group", groupAck)},
		{"message.edited", envelope("message.edited", edited)},
		{"message.revoked", envelope("message.revoked", `{"after":`+waMessageBare+`,"revokedMessageId":"AAAA"}`)},
		{"session.status", envelope("session.status", status)},
		{"chat.archive", envelope("chat.archive", `{"id":"1@c.us","archived":true,"timestamp":1700000000}`)},
		{"before pairing", strings.Replace(envelope("session.status", status), `"me":`+me+`,`, "", 1)},
	} {
		if err := v.ValidateEvent([]byte(c.body)); err != nil {
			t.Errorf("%s: rejected: %v", c.name, err)
		}
	}
	for _, c := range []struct{ name, body, wantErr string }{
		{"me null", strings.Replace(envelope("message", waMessage), `"me":`+me, `"me":null`, 1), "me"},
		{"participant null", envelope("message", strings.Replace(waMessage, `"body":"hi"`, `"body":"hi","participant":null`, 1)), "participant"},
		{"body null", envelope("message.any", strings.Replace(waMessageBare, `"body":""`, `"body":null`, 1)), "body"},
		{"media error a string", envelope("message", strings.Replace(waMessage, `"mimetype":"image/jpeg"}`, `"mimetype":"image/jpeg","error":"boom"}`, 1)), "error"},
		{"ack without from", envelope("message.ack", strings.Replace(ack, `"from":"11111111111@c.us",`, "", 1)), "from"},
		{"status unknown", envelope("session.status", strings.Replace(status, `"status":"WORKING","statuses"`, `"status":"RUNNING","statuses"`, 1)), "status"},
		{"archive without timestamp", envelope("chat.archive", `{"id":"1@c.us","archived":true}`), "timestamp"},
		{"no environment", strings.Split(envelope("message", waMessage), `,"environment"`)[0] + "}", "environment"},
		{"unknown event", envelope("message.seen", waMessage), "message.seen"},
		{"not JSON", "{", "JSON"},
	} {
		err := v.ValidateEvent([]byte(c.body))
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.wantErr)
		}
	}
}
