package noweb

import (
	"bytes"
	"context"
	"errors"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

// onChattingMessage handles the messages that are about another message, not
// content of their own: reactions (message.reaction) and poll votes
// (poll.vote, or poll.vote.failed when the vote cannot be decrypted). It
// reports whether evt was one.
func (e *Engine) onChattingMessage(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, chat, participant types.JID) (bool, error) {
	m := evt.Message
	source := "app"
	if evt.Info.IsFromMe {
		if id := cli.Store.ID; id != nil && evt.Info.Sender.Device == id.Device {
			source = "api"
		}
	}
	switch {
	case m.GetReactionMessage() != nil:
		return true, e.recordReaction(ctx, cli, evt, chat, participant, m.GetReactionMessage(), source)
	case m.GetEncReactionMessage() != nil:
		r, err := cli.DecryptReaction(ctx, evt)
		if err != nil {
			// A community announcement's reaction whose secret we never got.
			e.log.Warn("cannot decrypt a reaction", "id", evt.Info.ID, "err", err)
			return true, nil
		}
		return true, e.recordReaction(ctx, cli, evt, chat, participant, r, source)
	case m.GetPollUpdateMessage() != nil:
		return true, e.recordPollVote(ctx, cli, evt, chat, participant)
	}
	return false, nil
}

// targetID is the serialized id, from our side, of the message a key names;
// actor is whoever sent the message carrying the key (a reaction, a vote), whose
// side the key's fromMe is written from.
func targetID(ctx context.Context, cli *whatsmeow.Client, key *waCommon.MessageKey, chat types.JID, actorIsMe bool) string {
	fromMe := key.GetFromMe()
	var p types.JID
	if s := key.GetParticipant(); s != "" {
		p, _ = types.ParseJID(s)
		p = canonical(ctx, cli, p)
	}
	if !actorIsMe {
		switch {
		case fromMe:
			fromMe = false // the actor's own message
		case chat.Server == types.GroupServer:
			fromMe = !p.IsEmpty() && cli.Store.ID != nil && (p.User == cli.Store.ID.User || p.User == cli.Store.LID.User)
		default:
			fromMe = true // a DM message the actor did not send is ours
		}
	}
	if fromMe && chat.Server == types.GroupServer && cli.Store.ID != nil {
		p = cli.Store.ID.ToNonAD()
	}
	return messageID(fromMe, chat, key.GetID(), p)
}

// recordReaction records message.reaction for a reaction message evt.
func (e *Engine) recordReaction(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, chat, participant types.JID, r *waE2E.ReactionMessage, source string) error {
	m := e.stored(evt, chat, participant, me(cli), engines.AckDevice, source).Message
	p := engines.ReactionPayload{
		ID: m.ID, Timestamp: m.Timestamp, From: m.From, FromMe: m.FromMe, Source: m.Source, To: m.To,
		Participant: m.Participant, Data: m.Data,
		Reaction: engines.Reaction{Text: r.GetText(), MessageID: targetID(ctx, cli, r.GetKey(), chat, evt.Info.IsFromMe)},
	}
	return e.host.Record(ctx, sessions.Events(sessions.Emission{Event: "message.reaction", Payload: p}))
}

// recordPollVote decrypts a vote and records poll.vote with the options chosen,
// named from the poll the store keeps; poll.vote.failed when it cannot be
// decrypted (its poll's secret is unknown) or its poll is not known.
func (e *Engine) recordPollVote(ctx context.Context, cli *whatsmeow.Client, evt *events.Message, chat, participant types.JID) error {
	pu := evt.Message.GetPollUpdateMessage()
	m := e.stored(evt, chat, participant, me(cli), engines.AckDevice, "app").Message
	pollID := targetID(ctx, cli, pu.GetPollCreationMessageKey(), chat, evt.Info.IsFromMe)
	ts := pu.GetSenderTimestampMS()
	if ts == 0 {
		ts = evt.Info.Timestamp.UnixMilli()
	}
	payload := engines.PollVotePayload{
		Vote: engines.PollVote{
			MessageDestination: engines.MessageDestination{ID: m.ID, From: m.From, FromMe: m.FromMe, Participant: m.Participant},
			SelectedOptions:    []string{}, Timestamp: ts,
		},
		Poll: engines.MessageDestination{ID: pollID, From: m.From, FromMe: m.FromMe, Participant: m.Participant},
		Data: m.Data,
	}
	payload.Vote.To, payload.Poll.To = m.To, m.To
	if pid, err := engines.ParseMessageID(pollID); err == nil {
		// The poll's own parties: it may be ours while the vote is theirs.
		payload.Poll.FromMe = pid.FromMe
		if pid.FromMe {
			payload.Poll.From, payload.Poll.To = me(cli), wahaID(chat)
		} else {
			payload.Poll.From, payload.Poll.To = wahaID(chat), me(cli)
		}
		if !pid.Participant.IsZero() {
			p := pid.Participant.String()
			payload.Poll.Participant = &p
		}
	}
	event := "poll.vote"
	vote, err := cli.DecryptPollVote(ctx, evt)
	if err == nil {
		payload.Vote.SelectedOptions, err = e.votedOptions(ctx, chat, pu.GetPollCreationMessageKey().GetID(), vote.GetSelectedOptions())
	}
	if err != nil {
		e.log.Warn("poll vote not decrypted", "poll", pollID, "vote", evt.Info.ID, "err", err)
		event = "poll.vote.failed"
		payload.Vote.SelectedOptions = []string{}
	}
	return e.host.Record(ctx, sessions.Events(sessions.Emission{Event: event, Payload: payload}))
}

// votedOptions names the options whose hashes a vote selected.
func (e *Engine) votedOptions(ctx context.Context, chat types.JID, pollID string, hashes [][]byte) ([]string, error) {
	if e.chats == nil {
		return nil, errors.New("the message store is off, so the poll's options are unknown")
	}
	r, err := e.chats.GetMessage(ctx, e.name, wahaID(chat), pollID)
	if err != nil {
		return nil, err
	}
	opts, _, ok := pollOptions(r.Message.Data)
	if !ok {
		return nil, errors.New("the voted message is not a poll")
	}
	names := make([]string, 0, len(hashes))
	optHashes := whatsmeow.HashPollOptions(opts)
	for _, h := range hashes {
		for i, oh := range optHashes {
			if bytes.Equal(h, oh) {
				names = append(names, opts[i])
				break
			}
		}
	}
	if len(names) != len(hashes) {
		return nil, errors.New("the vote names options the poll does not have")
	}
	return names, nil
}

// onWaiting records message.waiting for a message WhatsApp delivered that this
// device could not decrypt: whatsmeow has asked the sender's phone to send it
// again, and it comes as a message when it does.
func (e *Engine) onWaiting(ctx context.Context, cli *whatsmeow.Client, v *events.UndecryptableMessage) error {
	if v.IsUnavailable && v.UnavailableType == events.UnavailableTypeViewOnce {
		return nil // a view-once message, which companions never get
	}
	chat, participant, err := e.place(ctx, cli, v.Info)
	if err != nil {
		return err
	}
	m := e.stored(&events.Message{Info: v.Info}, chat, participant, me(cli), engines.AckDevice, "app").Message
	return e.host.Record(ctx, sessions.Events(sessions.Emission{Event: "message.waiting", Payload: m}))
}
