package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/linkpreview"
)

// The handlers of WAHA's Chatting tag, but for the media sends
// (chatting_media.go). Each validates its body first (a 400 naming the field),
// then calls the session's engine.

// Limits WhatsApp puts on what it sends.
const (
	maxPollOptions = 12
	maxListRows    = 10
	maxButtons     = 10
	// maxPreviewImage bounds a custom preview's image, given or fetched;
	// previewFetchTimeout the fetch.
	maxPreviewImage     = 5 << 20
	previewFetchTimeout = 15 * time.Second
)

// chatField parses a required chat id field.
func chatField(field string, v *string) (engines.ChatID, error) {
	if v == nil || *v == "" {
		return engines.ChatID{}, badRequest("%s: required field is missing", field)
	}
	id, err := engines.ParseChatID(*v)
	if err != nil {
		return id, badRequest("%s: %s", field, err.Error())
	}
	return id, nil
}

// messageField parses a required message id field.
func messageField(field string, v *string) (engines.MessageID, error) {
	if v == nil || *v == "" {
		return engines.MessageID{}, badRequest("%s: required field is missing", field)
	}
	id, err := engines.ParseMessageID(*v)
	if err != nil {
		return id, badRequest("%s: %s", field, err.Error())
	}
	return id, nil
}

// replyField parses an optional reply_to; "" and null mean none.
func replyField(field string, v *string) (*engines.MessageID, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	id, err := messageField(field, v)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// newIDField checks an optional pre-generated message id: a bare id, as
// GET /api/{session}/new-message-id makes them.
func newIDField(v *string) (string, error) {
	if v == nil || *v == "" {
		return "", nil
	}
	id, err := engines.ParseMessageID(*v)
	if err != nil || !id.Bare {
		return "", badRequest("id: expected a message id from GET /api/{session}/new-message-id (letters and digits), got %q", *v)
	}
	return id.ID, nil
}

// textField is a required, non-empty text field.
func textField(field string, v *string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", badRequest("%s: required, and must not be empty", field)
	}
	return *v, nil
}

// sendTextRequest is MessageTextRequest, and MessageReplyRequest.
type sendTextRequest struct {
	Session                string          `json:"session"`
	ChatID                 *string         `json:"chatId"`
	Text                   *string         `json:"text"`
	ReplyTo                *string         `json:"reply_to"`
	ID                     *string         `json:"id"`
	LinkPreview            *bool           `json:"linkPreview"`
	LinkPreviewHighQuality bool            `json:"linkPreviewHighQuality"`
	Mentions               json.RawMessage `json:"mentions"`
}

func (r sendTextRequest) parse() (engines.SendText, error) {
	var send engines.SendText
	var err error
	if send.Chat, err = chatField("chatId", r.ChatID); err != nil {
		return send, err
	}
	if send.Text, err = textField("text", r.Text); err != nil {
		return send, err
	}
	if send.ReplyTo, err = replyField("reply_to", r.ReplyTo); err != nil {
		return send, err
	}
	if send.ID, err = newIDField(r.ID); err != nil {
		return send, err
	}
	send.LinkPreview = r.LinkPreview == nil || *r.LinkPreview
	send.LinkPreviewHighQuality = r.LinkPreviewHighQuality
	if send.Mentions, send.MentionAll, err = mentionsField(r.Mentions, send.Chat); err != nil {
		return send, err
	}
	return send, nil
}

// mentionsField reads mentions: chat ids of people, or ["all"] for every
// member of a group.
func mentionsField(raw json.RawMessage, chat engines.ChatID) ([]engines.ChatID, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false, badRequest("mentions: expected a list of chat ids such as [\"123@c.us\"] or [\"all\"]")
	}
	var out []engines.ChatID
	for i, m := range list {
		if m == "all" {
			if !chat.IsGroup() {
				return nil, false, badRequest("mentions[%d]: \"all\" mentions a group's members; %s is not a group", i, chat)
			}
			if len(list) > 1 {
				return nil, false, badRequest("mentions: \"all\" stands alone")
			}
			return nil, true, nil
		}
		id, err := engines.ParseChatID(m)
		if err != nil || id.Server != engines.ServerUser && id.Server != engines.ServerLID {
			return nil, false, badRequest("mentions[%d]: expected a person's id such as 123@c.us, got %q", i, m)
		}
		out = append(out, id)
	}
	return out, false, nil
}

// sent answers a send with the message the engine made.
func sent(c echo.Context, status int, what string, m *engines.Message, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return c.JSON(status, m)
}

func (s *Server) sendText(c echo.Context) error {
	var req sendTextRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	send, err := req.parse()
	if err != nil {
		return err
	}
	e, err := engineAs[engines.TextSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendText(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send text to "+send.Chat.String(), m, err)
}

// reply is the deprecated POST /api/reply: sendText with reply_to.
func (s *Server) reply(c echo.Context) error { return s.sendText(c) }

// sendTextGet is the deprecated GET /api/sendText?phone=&text=&session=.
func (s *Server) sendTextGet(c echo.Context) error {
	phone, text := c.QueryParam("phone"), c.QueryParam("text")
	chat, err := chatField("phone", &phone)
	if err != nil {
		return err
	}
	if _, err := textField("text", &text); err != nil {
		return err
	}
	e, err := engineAs[engines.TextSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendText(c.Request().Context(), engines.SendText{Chat: chat, Text: text, LinkPreview: true})
	return sent(c, http.StatusOK, "send text to "+chat.String(), m, err)
}

// sendLinkPreview is the deprecated POST /api/sendLinkPreview: the title and the
// link as one text, with the link's preview.
func (s *Server) sendLinkPreview(c echo.Context) error {
	var req struct {
		Session string  `json:"session"`
		ChatID  *string `json:"chatId"`
		URL     *string `json:"url"`
		Title   *string `json:"title"`
		ID      *string `json:"id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	chat, err := chatField("chatId", req.ChatID)
	if err != nil {
		return err
	}
	link, err := urlField("url", req.URL)
	if err != nil {
		return err
	}
	id, err := newIDField(req.ID)
	if err != nil {
		return err
	}
	text := link
	if req.Title != nil && strings.TrimSpace(*req.Title) != "" {
		text = strings.TrimSpace(*req.Title) + "\n" + link
	}
	e, err := engineAs[engines.TextSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendText(c.Request().Context(), engines.SendText{Chat: chat, Text: text, ID: id, LinkPreview: true})
	return sent(c, http.StatusCreated, "send link preview to "+chat.String(), m, err)
}

// urlField is a required http(s) URL.
func urlField(field string, v *string) (string, error) {
	if v == nil || *v == "" {
		return "", badRequest("%s: required field is missing", field)
	}
	u := strings.TrimSpace(*v)
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, " \n\t") {
		return "", badRequest("%s: expected an http or https URL, got %q", field, *v)
	}
	return u, nil
}

// fileRef is WAHA's FileURL or FileContent.
type fileRef struct {
	URL      string `json:"url"`
	Data     string `json:"data"`
	Mimetype string `json:"mimetype"`
}

// previewImage reads a custom preview's image: inline base64, or fetched from
// its URL (bounded in size and time).
func (s *Server) previewImage(ctx context.Context, f *fileRef) ([]byte, error) {
	switch {
	case f == nil || f.URL == "" && f.Data == "":
		return nil, nil
	case f.Data != "":
		b, err := base64.StdEncoding.DecodeString(f.Data)
		if err != nil {
			return nil, badRequest("preview.image.data: not base64: %s", err.Error())
		}
		if len(b) > maxPreviewImage {
			return nil, badRequest("preview.image.data: larger than %d MB", maxPreviewImage>>20)
		}
		return b, nil
	}
	u, err := urlField("preview.image.url", &f.URL)
	if err != nil {
		return nil, err
	}
	// The API key's holder names the URL: only hosts the network guard allows.
	if err := s.guard.CheckURL(ctx, u); err != nil {
		return nil, badRequest("preview.image.url: %s", err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, previewFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, badRequest("preview.image.url: %s", err.Error())
	}
	res, err := s.guard.Client(previewFetchTimeout).Do(req)
	if err != nil {
		return nil, newError(http.StatusUnprocessableEntity, "preview.image.url: could not fetch %s: %s", u, err.Error())
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, newError(http.StatusUnprocessableEntity, "preview.image.url: %s answered %s", u, res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxPreviewImage+1))
	if err != nil {
		return nil, newError(http.StatusUnprocessableEntity, "preview.image.url: reading %s: %s", u, err.Error())
	}
	if len(b) > maxPreviewImage {
		return nil, badRequest("preview.image.url: %s is larger than %d MB", u, maxPreviewImage>>20)
	}
	return b, nil
}

func (s *Server) sendLinkCustomPreview(c echo.Context) error {
	var req struct {
		Session                string  `json:"session"`
		ChatID                 *string `json:"chatId"`
		Text                   *string `json:"text"`
		ReplyTo                *string `json:"reply_to"`
		LinkPreviewHighQuality *bool   `json:"linkPreviewHighQuality"`
		Preview                *struct {
			URL         *string  `json:"url"`
			Title       *string  `json:"title"`
			Description *string  `json:"description"`
			Image       *fileRef `json:"image"`
		} `json:"preview"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	send := engines.SendText{}
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.Text, err = textField("text", req.Text); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("reply_to", req.ReplyTo); err != nil {
		return err
	}
	if req.Preview == nil {
		return badRequest("preview: required field is missing")
	}
	p := &engines.LinkPreview{HighQuality: req.LinkPreviewHighQuality == nil || *req.LinkPreviewHighQuality}
	if p.URL, err = urlField("preview.url", req.Preview.URL); err != nil {
		return err
	}
	if !strings.Contains(send.Text, p.URL) {
		return badRequest("text: must include the preview's URL %s", p.URL)
	}
	if p.Title, err = textField("preview.title", req.Preview.Title); err != nil {
		return err
	}
	if req.Preview.Description != nil {
		p.Description = *req.Preview.Description
	}
	if p.Image, err = s.previewImage(c.Request().Context(), req.Preview.Image); err != nil {
		return err
	}
	if p.Image != nil {
		if _, _, _, err := linkpreview.Thumbnail(p.Image, linkpreview.InlineSide); err != nil {
			return badRequest("preview.image: expected a JPEG or PNG picture: %s", err.Error())
		}
	}
	send.Preview = p
	e, err := engineAs[engines.TextSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendText(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send link preview to "+send.Chat.String(), m, err)
}

func (s *Server) newMessageID(c echo.Context) error {
	e, err := engineAs[engines.MessageIDMaker](s, c)
	if err != nil {
		return err
	}
	id, err := e.NewMessageID(c.Request().Context())
	if err != nil {
		return fmt.Errorf("new message id: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]string{"id": id})
}

func (s *Server) sendLocation(c echo.Context) error {
	var req struct {
		Session   string   `json:"session"`
		ChatID    *string  `json:"chatId"`
		ID        *string  `json:"id"`
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Title     *string  `json:"title"`
		ReplyTo   *string  `json:"reply_to"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendLocation
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.ID, err = newIDField(req.ID); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("reply_to", req.ReplyTo); err != nil {
		return err
	}
	if send.Latitude, err = coordinate("latitude", req.Latitude, 90); err != nil {
		return err
	}
	if send.Longitude, err = coordinate("longitude", req.Longitude, 180); err != nil {
		return err
	}
	if req.Title != nil {
		send.Title = strings.TrimSpace(*req.Title)
	}
	e, err := engineAs[engines.LocationSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendLocation(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send location to "+send.Chat.String(), m, err)
}

// coordinate is a required latitude or longitude within ±limit degrees.
func coordinate(field string, v *float64, limit float64) (float64, error) {
	switch {
	case v == nil:
		return 0, badRequest("%s: required field is missing", field)
	case math.IsNaN(*v) || *v < -limit || *v > limit:
		return 0, badRequest("%s: must be between %g and %g, got %g", field, -limit, limit, *v)
	}
	return *v, nil
}

// contactCard is VCardContact or Contact: a vCard given, or one to build.
type contactCard struct {
	VCard        *string `json:"vcard"`
	FullName     *string `json:"fullName"`
	Organization *string `json:"organization"`
	PhoneNumber  *string `json:"phoneNumber"`
	WhatsappID   *string `json:"whatsappId"`
}

func (cc contactCard) card(field string) (engines.VCard, error) {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	if v := str(cc.VCard); v != "" {
		if !strings.HasPrefix(strings.ToUpper(v), "BEGIN:VCARD") || !strings.Contains(strings.ToUpper(v), "END:VCARD") {
			return engines.VCard{}, badRequest("%s.vcard: expected a vCard (BEGIN:VCARD … END:VCARD)", field)
		}
		name := str(cc.FullName)
		if name == "" {
			name = vcardName(v)
		}
		return engines.VCard{DisplayName: name, VCard: v}, nil
	}
	name, phone := str(cc.FullName), str(cc.PhoneNumber)
	switch {
	case name == "" && phone == "":
		return engines.VCard{}, badRequest("%s: empty; give vcard, or fullName and phoneNumber", field)
	case name == "":
		return engines.VCard{}, badRequest("%s.fullName: required without a vcard", field)
	case phone == "":
		return engines.VCard{}, badRequest("%s.phoneNumber: required without a vcard", field)
	}
	waid := str(cc.WhatsappID)
	if waid == "" {
		waid = digits(phone)
	}
	if waid == "" || digits(waid) != waid {
		return engines.VCard{}, badRequest("%s.whatsappId: expected the number's digits, without + or @c.us", field)
	}
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\nVERSION:3.0\n")
	fmt.Fprintf(&b, "FN:%s\n", vcardEscape(name))
	if org := str(cc.Organization); org != "" {
		fmt.Fprintf(&b, "ORG:%s;\n", vcardEscape(org))
	}
	fmt.Fprintf(&b, "TEL;type=CELL;type=VOICE;waid=%s:%s\n", waid, phone)
	b.WriteString("END:VCARD")
	return engines.VCard{DisplayName: name, VCard: b.String()}, nil
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// vcardEscape escapes a vCard text value (RFC 6350 §3.4).
func vcardEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`).Replace(s)
}

// vcardName is the FN of a vCard, "" when it has none.
func vcardName(v string) string {
	for _, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.SplitN(key, ";", 2)[0], "FN") {
			return strings.NewReplacer(`\,`, ",", `\;`, ";", `\\`, `\`).Replace(strings.TrimSpace(val))
		}
	}
	return ""
}

func (s *Server) sendContactVcard(c echo.Context) error {
	var req struct {
		Session  string        `json:"session"`
		ChatID   *string       `json:"chatId"`
		ID       *string       `json:"id"`
		ReplyTo  *string       `json:"reply_to"`
		Contacts []contactCard `json:"contacts"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendContacts
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.ID, err = newIDField(req.ID); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("reply_to", req.ReplyTo); err != nil {
		return err
	}
	if len(req.Contacts) == 0 {
		return badRequest("contacts: required, at least one contact")
	}
	for i, cc := range req.Contacts {
		card, err := cc.card(fmt.Sprintf("contacts[%d]", i))
		if err != nil {
			return err
		}
		send.Contacts = append(send.Contacts, card)
	}
	e, err := engineAs[engines.ContactSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendContacts(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send contacts to "+send.Chat.String(), m, err)
}

// flexBool reads WAHA's multipleAnswers, typed "object" in its spec: a boolean,
// or "true"/"false".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(strings.ToLower(string(data)), `"`) {
	case "true", "1":
		*b = true
	case "false", "0", "null", "":
		*b = false
	default:
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[bool](), Field: "poll.multipleAnswers"}
	}
	return nil
}

func (s *Server) sendPoll(c echo.Context) error {
	var req struct {
		Session string  `json:"session"`
		ChatID  *string `json:"chatId"`
		ID      *string `json:"id"`
		ReplyTo *string `json:"reply_to"`
		Poll    *struct {
			Name            *string  `json:"name"`
			Options         []string `json:"options"`
			MultipleAnswers flexBool `json:"multipleAnswers"`
		} `json:"poll"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendPoll
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.ID, err = newIDField(req.ID); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("reply_to", req.ReplyTo); err != nil {
		return err
	}
	if req.Poll == nil {
		return badRequest("poll: required field is missing")
	}
	if send.Name, err = textField("poll.name", req.Poll.Name); err != nil {
		return err
	}
	send.Name = strings.TrimSpace(send.Name)
	if len(req.Poll.Options) < 2 || len(req.Poll.Options) > maxPollOptions {
		return badRequest("poll.options: expected 2 to %d options, got %d", maxPollOptions, len(req.Poll.Options))
	}
	seen := map[string]int{}
	for i, o := range req.Poll.Options {
		o = strings.TrimSpace(o)
		if o == "" {
			return badRequest("poll.options[%d]: must not be empty", i)
		}
		if j, dup := seen[o]; dup {
			return badRequest("poll.options[%d]: %q is the same as poll.options[%d]; options must differ", i, o, j)
		}
		seen[o] = i
		send.Options = append(send.Options, o)
	}
	send.MultipleAnswers = bool(req.Poll.MultipleAnswers)
	e, err := engineAs[engines.PollSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendPoll(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send poll to "+send.Chat.String(), m, err)
}

func (s *Server) sendPollVote(c echo.Context) error {
	var req struct {
		Session       string          `json:"session"`
		ChatID        *string         `json:"chatId"`
		PollMessageID *string         `json:"pollMessageId"`
		PollServerID  *float64        `json:"pollServerId"`
		Votes         json.RawMessage `json:"votes"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendPollVote
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.Poll, err = messageField("pollMessageId", req.PollMessageID); err != nil {
		return err
	}
	if !send.Poll.Bare && send.Poll.Chat != send.Chat {
		return badRequest("pollMessageId: the poll %s is not in chat %s", send.Poll, send.Chat)
	}
	if send.Votes, err = votesField(req.Votes); err != nil {
		return err
	}
	e, err := engineAs[engines.PollSender](s, c)
	if err != nil {
		return err
	}
	if err := e.SendPollVote(c.Request().Context(), send); err != nil {
		return fmt.Errorf("vote on poll %s: %w", send.Poll, err)
	}
	return c.JSON(http.StatusCreated, success)
}

// votesField reads votes: option names (WAHA's spec types them as a list of
// lists; clients send a flat list). An empty list takes the vote back.
func votesField(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("votes: required field is missing")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badRequest("votes: expected a list of option names")
	}
	var out []string
	seen := map[string]bool{}
	add := func(i int, v string) error {
		if strings.TrimSpace(v) == "" {
			return badRequest("votes[%d]: must not be empty", i)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, strings.TrimSpace(v))
		}
		return nil
	}
	for i, it := range items {
		var one string
		if err := json.Unmarshal(it, &one); err == nil {
			if err := add(i, one); err != nil {
				return nil, err
			}
			continue
		}
		var many []string
		if err := json.Unmarshal(it, &many); err != nil {
			return nil, badRequest("votes[%d]: expected an option name", i)
		}
		for _, v := range many {
			if err := add(i, v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Server) forwardMessage(c echo.Context) error {
	var req struct {
		Session   string  `json:"session"`
		ChatID    *string `json:"chatId"`
		MessageID *string `json:"messageId"`
		ID        *string `json:"id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var fwd engines.Forward
	var err error
	if fwd.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if fwd.Message, err = messageField("messageId", req.MessageID); err != nil {
		return err
	}
	if fwd.Message.Bare {
		return badRequest("messageId: expected a full id such as false_123@c.us_AAAA: a bare id does not say which chat it is in")
	}
	if fwd.ID, err = newIDField(req.ID); err != nil {
		return err
	}
	e, err := engineAs[engines.MessageForwarder](s, c)
	if err != nil {
		return err
	}
	m, err := e.ForwardMessage(c.Request().Context(), fwd)
	return sent(c, http.StatusCreated, fmt.Sprintf("forward %s to %s", fwd.Message, fwd.Chat), m, err)
}

// fullMessageField is a required message id that names its chat.
func fullMessageField(field string, v *string) (engines.MessageID, error) {
	id, err := messageField(field, v)
	if err == nil && id.Bare {
		err = badRequest("%s: expected a full id such as false_123@c.us_AAAA: a bare id does not say which chat it is in", field)
	}
	return id, err
}

func (s *Server) setReaction(c echo.Context) error {
	var req struct {
		Session   string  `json:"session"`
		MessageID *string `json:"messageId"`
		Reaction  *string `json:"reaction"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, err := fullMessageField("messageId", req.MessageID)
	if err != nil {
		return err
	}
	if req.Reaction == nil {
		return badRequest("reaction: required field is missing (an emoji, or \"\" to remove the reaction)")
	}
	emoji := strings.TrimSpace(*req.Reaction)
	if len([]rune(emoji)) > 16 {
		return badRequest("reaction: expected one emoji, got %q", *req.Reaction)
	}
	e, err := engineAs[engines.MessageReactor](s, c)
	if err != nil {
		return err
	}
	if err := e.React(c.Request().Context(), id, emoji); err != nil {
		return fmt.Errorf("react to %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, success)
}

func (s *Server) setStar(c echo.Context) error {
	var req struct {
		Session   string  `json:"session"`
		MessageID *string `json:"messageId"`
		ChatID    *string `json:"chatId"`
		Star      *bool   `json:"star"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	chat, err := chatField("chatId", req.ChatID)
	if err != nil {
		return err
	}
	id, err := messageField("messageId", req.MessageID)
	if err != nil {
		return err
	}
	if !id.Bare && id.Chat != chat {
		return badRequest("messageId: %s is not in chat %s", id, chat)
	}
	if req.Star == nil {
		return badRequest("star: required field is missing (true or false)")
	}
	e, err := engineAs[engines.MessageStarrer](s, c)
	if err != nil {
		return err
	}
	if err := e.StarMessage(c.Request().Context(), chat, id, *req.Star); err != nil {
		return fmt.Errorf("star %s: %w", id, err)
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) sendSeen(c echo.Context) error {
	var req struct {
		Session     string   `json:"session"`
		ChatID      *string  `json:"chatId"`
		MessageID   *string  `json:"messageId"`
		MessageIDs  []string `json:"messageIds"`
		Participant *string  `json:"participant"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var seen engines.SendSeen
	var err error
	if seen.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	// The deprecated messageId goes first; an error names the field the id came
	// from, not its place in the merged list.
	type given struct{ field, raw string }
	var ids []given
	if req.MessageID != nil && *req.MessageID != "" {
		ids = append(ids, given{"messageId", *req.MessageID})
	}
	for i, raw := range req.MessageIDs {
		ids = append(ids, given{fmt.Sprintf("messageIds[%d]", i), raw})
	}
	for _, g := range ids {
		id, err := engines.ParseMessageID(g.raw)
		if err != nil {
			return badRequest("%s: %s", g.field, err.Error())
		}
		if !id.Bare && id.Chat != seen.Chat {
			return badRequest("%s: %s is not in chat %s", g.field, g.raw, seen.Chat)
		}
		seen.Messages = append(seen.Messages, id)
	}
	if req.Participant != nil && *req.Participant != "" {
		if seen.Participant, err = chatField("participant", req.Participant); err != nil {
			return err
		}
		if !seen.Chat.IsGroup() {
			return badRequest("participant: only for group chats; %s is not a group", seen.Chat)
		}
	}
	e, err := engineAs[engines.SeenSender](s, c)
	if err != nil {
		return err
	}
	read, err := e.SendSeen(c.Request().Context(), seen)
	if err != nil {
		return fmt.Errorf("send seen in %s: %w", seen.Chat, err)
	}
	return c.JSON(http.StatusCreated, map[string]any{"success": true, "ids": nonNil(read)})
}

// typing serves startTyping and stopTyping.
func (s *Server) typing(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			Session string  `json:"session"`
			ChatID  *string `json:"chatId"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		chat, err := chatField("chatId", req.ChatID)
		if err != nil {
			return err
		}
		e, err := engineAs[engines.TypingSender](s, c)
		if err != nil {
			return err
		}
		if err := e.SetTyping(c.Request().Context(), chat, on); err != nil {
			return fmt.Errorf("typing in %s: %w", chat, err)
		}
		return c.NoContent(http.StatusCreated)
	}
}

// getMessages is the deprecated GET /api/messages?session=&chatId=.
func (s *Server) getMessages(c echo.Context) error {
	raw := c.QueryParam("chatId")
	chat, err := chatField("chatId", &raw)
	if err != nil {
		return err
	}
	return s.serveMessages(c, chat)
}

// checkNumberStatus is the deprecated GET /api/checkNumberStatus?phone=: what
// GET /api/contacts/check-exists answers.
func (s *Server) checkNumberStatus(c echo.Context) error {
	phone, err := phoneNumber("phone", c.QueryParam("phone"))
	if err != nil {
		return err
	}
	e, err := engineAs[engines.NumberChecker](s, c)
	if err != nil {
		return err
	}
	st, err := e.CheckNumber(c.Request().Context(), phone)
	if err != nil {
		return fmt.Errorf("check number %s: %w", phone, err)
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) sendButtons(c echo.Context) error {
	var req struct {
		Session     string          `json:"session"`
		ChatID      *string         `json:"chatId"`
		Header      string          `json:"header"`
		HeaderImage json.RawMessage `json:"headerImage"`
		Body        *string         `json:"body"`
		Footer      string          `json:"footer"`
		Buttons     []struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			ID          string `json:"id"`
			URL         string `json:"url"`
			PhoneNumber string `json:"phoneNumber"`
			CopyCode    string `json:"copyCode"`
		} `json:"buttons"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendButtons
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.Body, err = textField("body", req.Body); err != nil {
		return err
	}
	if len(req.HeaderImage) > 0 && string(req.HeaderImage) != "null" {
		return badRequest("headerImage: header images are not supported; send the image as its own message")
	}
	send.Header, send.Footer = req.Header, req.Footer
	if len(req.Buttons) == 0 || len(req.Buttons) > maxButtons {
		return badRequest("buttons: expected 1 to %d buttons, got %d", maxButtons, len(req.Buttons))
	}
	for i, b := range req.Buttons {
		field := fmt.Sprintf("buttons[%d]", i)
		if strings.TrimSpace(b.Text) == "" {
			return badRequest("%s.text: required, and must not be empty", field)
		}
		typ := b.Type
		if typ == "" {
			typ = "reply"
		}
		btn := engines.Button{Type: typ, Text: b.Text, ID: b.ID}
		switch typ {
		case "reply":
			if btn.ID == "" {
				btn.ID = fmt.Sprint(i + 1)
			}
		case "url":
			if btn.URL, err = urlField(field+".url", &b.URL); err != nil {
				return err
			}
		case "call":
			if digits(b.PhoneNumber) == "" {
				return badRequest("%s.phoneNumber: required for a call button", field)
			}
			btn.PhoneNumber = b.PhoneNumber
		case "copy":
			if b.CopyCode == "" {
				return badRequest("%s.copyCode: required for a copy button", field)
			}
			btn.CopyCode = b.CopyCode
		default:
			return badRequest("%s.type: expected reply, url, call or copy, got %q", field, b.Type)
		}
		send.Buttons = append(send.Buttons, btn)
	}
	e, err := engineAs[engines.InteractiveSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendButtons(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send buttons to "+send.Chat.String(), m, err)
}

func (s *Server) sendList(c echo.Context) error {
	var req struct {
		Session string  `json:"session"`
		ChatID  *string `json:"chatId"`
		ReplyTo *string `json:"reply_to"`
		Message *struct {
			Title       *string `json:"title"`
			Description string  `json:"description"`
			Footer      string  `json:"footer"`
			Button      *string `json:"button"`
			Sections    []struct {
				Title string `json:"title"`
				Rows  []struct {
					Title       string  `json:"title"`
					RowID       string  `json:"rowId"`
					Description *string `json:"description"`
				} `json:"rows"`
			} `json:"sections"`
		} `json:"message"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendList
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("reply_to", req.ReplyTo); err != nil {
		return err
	}
	m := req.Message
	if m == nil {
		return badRequest("message: required field is missing")
	}
	if send.Title, err = textField("message.title", m.Title); err != nil {
		return err
	}
	if send.Button, err = textField("message.button", m.Button); err != nil {
		return err
	}
	send.Description, send.Footer = m.Description, m.Footer
	if len(m.Sections) == 0 {
		return badRequest("message.sections: required, at least one section")
	}
	rows, ids := 0, map[string]string{}
	for i, sec := range m.Sections {
		ls := engines.ListSection{Title: sec.Title}
		if len(sec.Rows) == 0 {
			return badRequest("message.sections[%d].rows: required, at least one row", i)
		}
		for j, r := range sec.Rows {
			field := fmt.Sprintf("message.sections[%d].rows[%d]", i, j)
			if strings.TrimSpace(r.Title) == "" {
				return badRequest("%s.title: required, and must not be empty", field)
			}
			if r.RowID == "" {
				return badRequest("%s.rowId: required, and must not be empty", field)
			}
			if other, dup := ids[r.RowID]; dup {
				return badRequest("%s.rowId: %q is also the id of %s; row ids must differ", field, r.RowID, other)
			}
			ids[r.RowID] = field
			row := engines.ListRow{ID: r.RowID, Title: r.Title}
			if r.Description != nil {
				row.Description = *r.Description
			}
			ls.Rows = append(ls.Rows, row)
			rows++
		}
		send.Sections = append(send.Sections, ls)
	}
	if rows > maxListRows {
		return badRequest("message.sections: %d rows in all; WhatsApp shows at most %d", rows, maxListRows)
	}
	e, err := engineAs[engines.InteractiveSender](s, c)
	if err != nil {
		return err
	}
	out, err := e.SendList(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send list to "+send.Chat.String(), out, err)
}

func (s *Server) sendButtonsReply(c echo.Context) error {
	var req struct {
		Session             string  `json:"session"`
		ChatID              *string `json:"chatId"`
		ReplyTo             *string `json:"replyTo"`
		SelectedDisplayText *string `json:"selectedDisplayText"`
		SelectedButtonID    *string `json:"selectedButtonID"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var send engines.SendButtonReply
	var err error
	if send.Chat, err = chatField("chatId", req.ChatID); err != nil {
		return err
	}
	if send.ReplyTo, err = replyField("replyTo", req.ReplyTo); err != nil {
		return err
	}
	if send.DisplayText, err = textField("selectedDisplayText", req.SelectedDisplayText); err != nil {
		return err
	}
	if send.ButtonID, err = textField("selectedButtonID", req.SelectedButtonID); err != nil {
		return err
	}
	e, err := engineAs[engines.InteractiveSender](s, c)
	if err != nil {
		return err
	}
	m, err := e.SendButtonReply(c.Request().Context(), send)
	return sent(c, http.StatusCreated, "send buttons reply to "+send.Chat.String(), m, err)
}
