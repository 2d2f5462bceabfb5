package wwebjs

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wagate/wagate/engines/webjs/fakeweb"
)

// testChatting runs run.js's Chatting steps (after the fidelity ones) and checks
// each on fakeweb's side: locations, contact cards (from contacts and a raw
// vCard), a poll, a vote from the other side and one of whatsapp-web.js, a
// forward, a star, read receipts.
func testChatting(ctx context.Context, t *testing.T, fw *fakeweb.Server, step func(string, any), next func(any)) {
	t.Helper()
	chatA, chatB, chatC := chatN(0), chatN(5), chatN(12)
	type msg struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Body     string `json:"body"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
			Name      string  `json:"name"`
			Address   string  `json:"address"`
		} `json:"location"`
		VCards      []string `json:"vCards"`
		PollName    string   `json:"pollName"`
		PollOptions []string `json:"pollOptions"`
		Multiple    bool     `json:"allowMultipleAnswers"`
		IsForwarded bool     `json:"isForwarded"`
		IsStarred   bool     `json:"isStarred"`
	}
	newest := func(chat string) fakeweb.RichMessage {
		t.Helper()
		ms, err := fw.RichMessages(ctx, chat)
		if err != nil || len(ms) == 0 {
			t.Fatalf("fakeweb's messages of %s: %v, %v", chat, ms, err)
		}
		return ms[len(ms)-1]
	}
	byID := func(chat, id string) fakeweb.RichMessage {
		t.Helper()
		ms, err := fw.RichMessages(ctx, chat)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.ID == id {
				return m
			}
		}
		t.Fatalf("fakeweb has no message %s in %s", id, chat)
		return fakeweb.RichMessage{}
	}

	// --- a location ---
	next(map[string]any{"chatId": chatA})
	var loc struct {
		Message msg `json:"message"`
	}
	step("location", &loc)
	if l := loc.Message.Location; loc.Message.Type != "location" || l == nil || l.Latitude != 52.5163 || l.Longitude != 13.3777 || l.Name != "Brandenburger Tor" || l.Address != "Pariser Platz, Berlin" {
		t.Fatalf("location = %+v", loc.Message)
	}
	if m := newest(chatA); m.ID != loc.Message.ID || m.Type != "location" || m.Lat != 52.5163 || m.Lng != 13.3777 || m.Loc != "Brandenburger Tor\nPariser Platz, Berlin" {
		t.Fatalf("fakeweb's location: %+v", m)
	}

	// --- contact cards: a contact, a raw vCard, two contacts ---
	raw := "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nTEL;type=CELL;waid=15550009999:+1 555 000 9999\nEND:VCARD"
	next(map[string]any{"chatId": chatA, "contactId": chatN(1), "contactIds": []string{chatN(1), chatN(3)}, "vcard": raw})
	var vc struct{ Contact, Raw, Several msg }
	step("vcards", &vc)
	if vc.Contact.Type != "vcard" || len(vc.Contact.VCards) != 1 || !strings.Contains(vc.Contact.VCards[0], "FN:Contact 2") || !strings.Contains(vc.Contact.VCards[0], "waid=15550000002") {
		t.Fatalf("a contact's card = %+v", vc.Contact)
	}
	if vc.Raw.Type != "vcard" || len(vc.Raw.VCards) != 1 || vc.Raw.VCards[0] != raw {
		t.Fatalf("a raw vCard = %+v", vc.Raw)
	}
	if vc.Several.Type != "multi_vcard" || len(vc.Several.VCards) != 2 || !strings.Contains(vc.Several.VCards[1], "FN:Contact 4") {
		t.Fatalf("two contacts' cards = %+v", vc.Several)
	}
	if m := byID(chatA, vc.Several.ID); m.Type != "multi_vcard" || len(m.VCards) != 2 {
		t.Fatalf("fakeweb's cards: %+v", m)
	}
	if m := byID(chatA, vc.Raw.ID); m.Type != "vcard" || len(m.VCards) != 1 || m.VCards[0] != raw {
		t.Fatalf("fakeweb's raw card: %+v", m)
	}

	// --- a poll, a vote from the other side, one of whatsapp-web.js ---
	next(map[string]any{"chatId": chatA, "name": "Which?", "options": []string{"a", "b", "c"}})
	var poll struct {
		Message msg `json:"message"`
	}
	step("poll", &poll)
	pollID := poll.Message.ID
	if poll.Message.Type != "poll_creation" || poll.Message.PollName != "Which?" || !slices.Equal(poll.Message.PollOptions, []string{"a", "b", "c"}) || !poll.Message.Multiple {
		t.Fatalf("poll = %+v", poll.Message)
	}
	if m := byID(chatA, pollID); m.PollName != "Which?" || !slices.Equal(m.PollOptions, []string{"a", "b", "c"}) || m.Selectable == nil || *m.Selectable != 0 {
		t.Fatalf("fakeweb's poll: %+v", m)
	}
	if err := fw.RemoteVote(ctx, pollID, chatA, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"id": pollID, "voter": chatA, "votes": []string{"a", "c"}})
	type vote struct {
		Voter           string   `json:"voter"`
		SelectedOptions []string `json:"selectedOptions"`
		Parent          string   `json:"parent"`
	}
	var pv struct {
		Update vote   `json:"update"`
		Votes  []vote `json:"votes"`
	}
	step("pollVotes", &pv)
	if pv.Update.Voter != chatA || !slices.Equal(pv.Update.SelectedOptions, []string{"b"}) {
		t.Fatalf("vote_update = %+v", pv.Update)
	}
	if !slices.ContainsFunc(pv.Votes, func(v vote) bool { return v.Voter == me && slices.Equal(v.SelectedOptions, []string{"a", "c"}) }) ||
		!slices.ContainsFunc(pv.Votes, func(v vote) bool { return v.Voter == chatA && slices.Equal(v.SelectedOptions, []string{"b"}) }) {
		t.Fatalf("getPollVotes = %+v", pv.Votes)
	}
	votes, err := fw.PollVoteLog(ctx)
	if err != nil || !slices.ContainsFunc(votes, func(v fakeweb.VoteRow) bool {
		return v.Parent == pollID && v.FromMe && slices.Equal(v.Options, []string{"a", "c"})
	}) {
		t.Fatalf("fakeweb's votes: %+v, %v", votes, err)
	}

	// --- a forward ---
	next(map[string]any{"id": loc.Message.ID, "chatId": chatB})
	var fwd struct {
		Message msg `json:"message"`
	}
	step("forward", &fwd)
	if m := newest(chatB); m.ID != fwd.Message.ID || !m.IsForwarded || m.ForwardingScore != 1 || m.Type != "location" || m.Lat != 52.5163 {
		t.Fatalf("fakeweb's forward: %+v (wwebjs %+v)", m, fwd.Message)
	}

	// --- a star, taken back ---
	for _, c := range []struct {
		step string
		star bool
	}{{"star", true}, {"unstar", false}} {
		next(map[string]any{"id": loc.Message.ID})
		var st struct {
			IsStarred bool `json:"isStarred"`
		}
		step(c.step, &st)
		got, err := fw.Message(ctx, loc.Message.ID)
		if st.IsStarred != c.star || err != nil || got == nil || got.Star != c.star {
			t.Fatalf("%s: wwebjs %v, fakeweb %+v, %v", c.step, st.IsStarred, got, err)
		}
	}

	// --- read receipts for an unread message ---
	inID, err := fw.ReceiveMessage(ctx, fakeweb.IncomingMessage{ChatID: chatC, Body: "read me", NotifyName: "C13"})
	if err != nil {
		t.Fatal(err)
	}
	next(map[string]any{"chatId": chatC})
	var seen struct {
		Sent bool `json:"sent"`
	}
	step("seen", &seen)
	receipts, err := fw.ReadReceipts(ctx)
	if !seen.Sent || err != nil || !slices.ContainsFunc(receipts, func(r fakeweb.ReadReceipt) bool { return r.ChatID == chatC && slices.Contains(r.IDs, inID) }) {
		t.Fatalf("seen: wwebjs %v, fakeweb's receipts %+v, %v", seen.Sent, receipts, err)
	}
	if c, err := fw.Chat(ctx, chatC); err != nil || c.UnreadCount != 0 {
		t.Fatalf("fakeweb's chat after seen: %+v, %v", c, err)
	}
}
