package engines

// The request and event shapes of WAHA's Chatting tag beyond plain text and media.

// Location is WAHA's WALocation: where a location message points. Latitude and
// longitude are decimal strings, as WAHA writes them.
type Location struct {
	Latitude    string `json:"latitude"`
	Longitude   string `json:"longitude"`
	Live        bool   `json:"live"`
	Name        string `json:"name,omitempty"`
	Address     string `json:"address,omitempty"`
	URL         string `json:"url,omitempty"`
	Description string `json:"description,omitempty"`
}

// LinkPreview is the preview card of a text's link, given by the client
// (send/link-custom-preview) instead of fetched from the page.
type LinkPreview struct {
	URL         string
	Title       string
	Description string
	// Image is the preview's picture (JPEG or PNG bytes), nil for none.
	Image []byte
	// HighQuality sends Image as a full-size uploaded thumbnail instead of an
	// inline one.
	HighQuality bool
}

// SendLocation is POST /api/sendLocation.
type SendLocation struct {
	Chat      ChatID
	ReplyTo   *MessageID
	ID        string // pre-generated message id; "" makes one
	Latitude  float64
	Longitude float64
	Title     string // the place's name
	Address   string
	URL       string
}

// VCard is one contact card: the vCard text and the name to show for it.
type VCard struct {
	DisplayName string
	VCard       string
}

// SendContacts is POST /api/sendContactVcard: one card or several.
type SendContacts struct {
	Chat     ChatID
	ReplyTo  *MessageID
	ID       string
	Contacts []VCard
}

// SendPoll is POST /api/sendPoll.
type SendPoll struct {
	Chat            ChatID
	ReplyTo         *MessageID
	ID              string
	Name            string
	Options         []string // distinct, at least two
	MultipleAnswers bool
}

// SendPollVote is POST /api/sendPollVote: the options (by name) the account
// votes for; none takes the vote back.
type SendPollVote struct {
	Chat  ChatID
	Poll  MessageID
	Votes []string
}

// Forward is POST /api/forwardMessage.
type Forward struct {
	Chat    ChatID    // where to
	Message MessageID // what
	ID      string
}

// SendSeen is POST /api/sendSeen: read receipts for the listed messages, or for
// the chat's unread ones when none are listed.
type SendSeen struct {
	Chat        ChatID
	Messages    []MessageID
	Participant ChatID // the sender in a group, when Messages are bare ids
}

// Button is one button of SendButtons: a quick reply (ID), a link (URL), a call
// (PhoneNumber) or a code to copy (CopyCode), as Type says.
type Button struct {
	Type        string // reply | url | call | copy
	Text        string
	ID          string
	URL         string
	PhoneNumber string
	CopyCode    string
}

// SendButtons is POST /api/sendButtons.
type SendButtons struct {
	Chat    ChatID
	Header  string
	Body    string
	Footer  string
	Buttons []Button
}

// ListRow is one choice of a list message.
type ListRow struct {
	ID          string
	Title       string
	Description string
}

// ListSection groups rows of a list message under a title.
type ListSection struct {
	Title string
	Rows  []ListRow
}

// SendList is POST /api/sendList.
type SendList struct {
	Chat        ChatID
	ReplyTo     *MessageID
	Title       string
	Description string
	Footer      string
	Button      string // the label of the button that opens the list
	Sections    []ListSection
}

// SendButtonReply is POST /api/send/buttons/reply: the account choosing a
// button of a buttons message.
type SendButtonReply struct {
	Chat        ChatID
	ReplyTo     *MessageID
	ButtonID    string
	DisplayText string
}

// Reaction is WAHA's WAReaction: the emoji ("" when taken back) and the
// message it is on.
type Reaction struct {
	Text      string `json:"text"`
	MessageID string `json:"messageId"`
}

// ReactionPayload is WAHA's message.reaction.
type ReactionPayload struct {
	ID          string   `json:"id"`
	Timestamp   int64    `json:"timestamp"`
	From        string   `json:"from"`
	FromMe      bool     `json:"fromMe"`
	Source      string   `json:"source"`
	To          string   `json:"to"`
	Participant *string  `json:"participant,omitempty"` // groups: the sender
	Reaction    Reaction `json:"reaction"`
	Data        any      `json:"_data,omitempty"`
}

// MessageDestination is WAHA's MessageDestination: a message named by its id
// and the parties of its chat.
type MessageDestination struct {
	ID          string  `json:"id"`
	To          string  `json:"to"`
	From        string  `json:"from"`
	FromMe      bool    `json:"fromMe"`
	Participant *string `json:"participant,omitempty"`
}

// PollVote is WAHA's PollVote: who voted for what, when (unix ms).
type PollVote struct {
	MessageDestination
	SelectedOptions []string `json:"selectedOptions"`
	Timestamp       int64    `json:"timestamp"`
}

// PollVotePayload is WAHA's poll.vote and poll.vote.failed.
type PollVotePayload struct {
	Vote PollVote           `json:"vote"`
	Poll MessageDestination `json:"poll"`
	Data any                `json:"_data,omitempty"`
}
