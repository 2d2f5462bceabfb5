package engines

// The people around an account: contacts, their ids (phone number and LID),
// presence, the account's own profile and calls. Shapes are WAHA's.

// Contact is WAHA's contact: GET /contacts, /contacts/all, /{session}/contacts/{id}.
type Contact struct {
	ID          string  `json:"id"`     // 123@c.us, or 123@lid while the number is unknown
	Number      *string `json:"number"` // the phone number's digits; null for a LID-only contact
	Name        *string `json:"name"`   // name in the account's address book
	PushName    *string `json:"pushname"`
	ShortName   *string `json:"shortName"`
	IsMe        bool    `json:"isMe"`
	IsGroup     bool    `json:"isGroup"`
	IsWAContact bool    `json:"isWAContact"`
	IsMyContact bool    `json:"isMyContact"`
	IsBlocked   bool    `json:"isBlocked"`
	// LID is the person's 123@lid when known (wagate's extension, so a client
	// sees both ids of one person in one object).
	LID *string `json:"lid,omitempty"`
}

// ContactSort is the field GET /contacts/all sorts by.
type ContactSort string

const (
	ContactSortID   ContactSort = "id"
	ContactSortName ContactSort = "name"
)

// ContactQuery pages GET /contacts/all. Limit 0 means no limit.
type ContactQuery struct {
	Limit, Offset int
	SortBy        ContactSort
	SortOrder     SortOrder
}

// NumberStatus is WAHA's WANumberExistResult.
type NumberStatus struct {
	NumberExists bool `json:"numberExists"`
	// ChatID is the chat id to use for the number (WhatsApp's canonical form of
	// it, which may differ from what was asked, e.g. Brazilian 9th digits); empty
	// when the number is not on WhatsApp.
	ChatID string `json:"chatId,omitempty"`
}

// LIDMapping is WAHA's LidToPhoneNumber: one person's LID and phone-number ids.
type LIDMapping struct {
	LID string  `json:"lid"`
	PN  *string `json:"pn"`
}

// Presence is a presence state as WAHA names it.
type Presence string

const (
	PresenceOffline   Presence = "offline"
	PresenceOnline    Presence = "online"
	PresenceTyping    Presence = "typing"
	PresenceRecording Presence = "recording"
	PresencePaused    Presence = "paused"
)

// ParsePresence accepts WAHA's presence names.
func ParsePresence(s string) (Presence, bool) {
	switch p := Presence(s); p {
	case PresenceOffline, PresenceOnline, PresenceTyping, PresenceRecording, PresencePaused:
		return p, true
	}
	return "", false
}

// ChatScoped reports whether the presence is a chat state (typing, recording,
// paused), which needs a chat; online and offline are the account's own.
func (p Presence) ChatScoped() bool {
	return p == PresenceTyping || p == PresenceRecording || p == PresencePaused
}

// PresenceData is one participant's presence in a chat (WAHA's WAHAPresenceData).
type PresenceData struct {
	Participant       string   `json:"participant"`
	LastSeen          *int64   `json:"lastSeen,omitempty"` // unix seconds
	LastKnownPresence Presence `json:"lastKnownPresence"`
}

// ChatPresences is a chat's presences (WAHA's WAHAChatPresences), also the
// payload of presence.update.
type ChatPresences struct {
	ID        string         `json:"id"`
	Presences []PresenceData `json:"presences"`
}

// MyProfile is WAHA's MyProfile.
type MyProfile struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Picture *string `json:"picture"`
}

// ProfilePicture is the account's new profile picture, prepared as WhatsApp
// wants it: square JPEGs, the picture 640×640 and its 96×96 thumbnail.
type ProfilePicture struct {
	JPEG      []byte
	Thumbnail []byte
}

// Call is WAHA's CallData, the payload of call.received, call.accepted and
// call.rejected.
type Call struct {
	ID        string `json:"id"`
	From      string `json:"from"`
	Timestamp int64  `json:"timestamp"` // unix seconds
	IsVideo   bool   `json:"isVideo"`
	IsGroup   bool   `json:"isGroup"`
	Data      any    `json:"_data"`
}
