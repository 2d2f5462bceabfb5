package webjs

import "context"

// fakePage's part of the Chatting tag: it records the call and answers the
// message a send makes.

func (p *fakePage) NewMessageID(context.Context) (string, error) {
	return "3EB0FAKEID", p.call("newMessageId")
}

func (p *fakePage) sentMessage(chatID string) Message {
	return Message{ID: "true_" + chatID + "_3EB0X", FromMe: true}
}

func (p *fakePage) SendLocation(_ context.Context, r LocationRequest) (Message, error) {
	return p.sentMessage(r.ChatID), p.call("location %s %g %g", r.ChatID, r.Latitude, r.Longitude)
}

func (p *fakePage) SendContacts(_ context.Context, r ContactsRequest) (Message, error) {
	return p.sentMessage(r.ChatID), p.call("contacts %s %d", r.ChatID, len(r.Contacts))
}

func (p *fakePage) SendPoll(_ context.Context, r PollRequest) (Message, error) {
	return p.sentMessage(r.ChatID), p.call("poll %s %s %v", r.ChatID, r.Name, r.Options)
}

func (p *fakePage) VotePoll(_ context.Context, id string, votes []string) error {
	return p.call("vote %s %v", id, votes)
}

func (p *fakePage) ForwardMessage(_ context.Context, chatID, id string) (Message, error) {
	return p.sentMessage(chatID), p.call("forward %s %s", id, chatID)
}

func (p *fakePage) React(_ context.Context, id, emoji string) error {
	return p.call("react %s %q", id, emoji)
}

func (p *fakePage) StarMessage(_ context.Context, id string, star bool) error {
	return p.call("star %s %v", id, star)
}

func (p *fakePage) SendSeen(_ context.Context, chatID string) ([]string, error) {
	return []string{}, p.call("seen %s", chatID)
}

func (p *fakePage) SetTyping(_ context.Context, chatID string, typing bool) error {
	return p.call("typing %s %v", chatID, typing)
}
