package noweb

import (
	"strconv"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
)

// chattingContent reads the message kinds of the Chatting tag beyond text and
// media into c: locations, contact cards, polls, and the interactive messages
// (buttons, lists and their replies), whose body is the text people see. It
// returns the message's context info (the quote), nil for other kinds.
func chattingContent(m *waE2E.Message, c *content) *waE2E.ContextInfo {
	text := func(s string) {
		if s != "" {
			c.body = proto.String(s)
		}
	}
	switch {
	case m.LocationMessage != nil:
		x := m.GetLocationMessage()
		c.location = &engines.Location{
			Latitude: coord(x.GetDegreesLatitude()), Longitude: coord(x.GetDegreesLongitude()), Live: x.GetIsLive(),
			Name: x.GetName(), Address: x.GetAddress(), URL: x.GetURL(), Description: x.GetComment(),
		}
		return x.GetContextInfo()
	case m.LiveLocationMessage != nil:
		x := m.GetLiveLocationMessage()
		c.location = &engines.Location{
			Latitude: coord(x.GetDegreesLatitude()), Longitude: coord(x.GetDegreesLongitude()), Live: true,
			Description: x.GetCaption(),
		}
		return x.GetContextInfo()
	case m.ContactMessage != nil:
		x := m.GetContactMessage()
		c.vcards = []string{x.GetVcard()}
		return x.GetContextInfo()
	case m.ContactsArrayMessage != nil:
		x := m.GetContactsArrayMessage()
		c.vcards = make([]string, 0, len(x.GetContacts()))
		for _, card := range x.GetContacts() {
			c.vcards = append(c.vcards, card.GetVcard())
		}
		return x.GetContextInfo()
	case pollCreation(m) != nil:
		x := pollCreation(m)
		text(x.GetName())
		return x.GetContextInfo()
	case m.ButtonsMessage != nil:
		x := m.GetButtonsMessage()
		text(x.GetContentText())
		return x.GetContextInfo()
	case m.ListMessage != nil:
		x := m.GetListMessage()
		text(firstNonEmpty(x.GetDescription(), x.GetTitle()))
		return x.GetContextInfo()
	case m.InteractiveMessage != nil:
		x := m.GetInteractiveMessage()
		text(firstNonEmpty(x.GetBody().GetText(), x.GetHeader().GetTitle()))
		return x.GetContextInfo()
	case m.ButtonsResponseMessage != nil:
		x := m.GetButtonsResponseMessage()
		text(x.GetSelectedDisplayText())
		return x.GetContextInfo()
	case m.TemplateButtonReplyMessage != nil:
		x := m.GetTemplateButtonReplyMessage()
		text(x.GetSelectedDisplayText())
		return x.GetContextInfo()
	case m.ListResponseMessage != nil:
		x := m.GetListResponseMessage()
		text(x.GetTitle())
		return x.GetContextInfo()
	case m.InteractiveResponseMessage != nil:
		x := m.GetInteractiveResponseMessage()
		text(x.GetBody().GetText())
		return x.GetContextInfo()
	case m.ViewOnceMessage != nil:
		inner := contentOf(m.GetViewOnceMessage().GetMessage())
		*c = inner
		return nil
	}
	return nil
}

// coord writes a coordinate as WAHA does: the shortest decimal that is the value.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
