package apidocs

import (
	"strings"
	"testing"
)

// TestValidateChattingEvents: the Chatting tag's events as the engines send
// them match the spec, and what breaks their schemas is caught.
func TestValidateChattingEvents(t *testing.T) {
	v := newValidator(t)
	located := strings.TrimSuffix(waMessageBare, "}") + `,"location":{"latitude":"52.5163","longitude":"13.3777","live":false,"name":"Tor"},"vCards":["BEGIN:VCARD\nEND:VCARD"]}`
	reaction := `{"id":"false_1@c.us_B","timestamp":1,"from":"1@c.us","fromMe":false,"source":"app","to":"2@c.us","reaction":{"text":"👍","messageId":"true_1@c.us_A"}}`
	vote := `{"vote":{"id":"false_1@c.us_C","selectedOptions":["a"],"timestamp":1700000000000,"to":"2@c.us","from":"1@c.us","fromMe":false},` +
		`"poll":{"id":"true_1@c.us_A","to":"1@c.us","from":"2@c.us","fromMe":true}}`
	for _, c := range []struct{ name, body string }{
		{"message with a location and cards", envelope("message", located)},
		{"message.waiting", envelope("message.waiting", waMessageBare)},
		{"message.reaction", envelope("message.reaction", reaction)},
		{"reaction taken back", envelope("message.reaction", strings.Replace(reaction, `"text":"👍"`, `"text":""`, 1))},
		{"group reaction", envelope("message.reaction", strings.Replace(reaction, `"to":"2@c.us"`, `"to":"2@c.us","participant":"3@c.us"`, 1))},
		{"poll.vote", envelope("poll.vote", vote)},
		{"poll.vote.failed", envelope("poll.vote.failed", strings.Replace(vote, `["a"]`, `[]`, 1))},
	} {
		if err := v.ValidateEvent([]byte(c.body)); err != nil {
			t.Errorf("%s: rejected: %v", c.name, err)
		}
	}
	for _, c := range []struct{ name, body, wantErr string }{
		{"latitude a number", envelope("message", strings.Replace(located, `"latitude":"52.5163"`, `"latitude":52.5163`, 1)), "latitude"},
		{"reaction without text", envelope("message.reaction", strings.Replace(reaction, `"text":"👍",`, "", 1)), "text"},
		{"reaction without to", envelope("message.reaction", strings.Replace(reaction, `"to":"2@c.us",`, "", 1)), "to"},
		{"vote without options", envelope("poll.vote", strings.Replace(vote, `"selectedOptions":["a"],`, "", 1)), "selectedOptions"},
		{"vote without its poll", envelope("poll.vote", strings.Split(vote, `,"poll"`)[0]+"}"), "poll"},
	} {
		err := v.ValidateEvent([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: %v, want an error about %s", c.name, err, c.wantErr)
		}
	}
}
