package noweb

import (
	"encoding/json"
	"fmt"

	"go.mau.fi/util/random"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wagate/wagate/engines"
)

// buttonsMessage is a buttons message as WhatsApp's clients send it now: an
// interactive message of native-flow buttons (quick reply, link, call, copy),
// in a view-once envelope.
func buttonsMessage(req engines.SendButtons) (*waE2E.Message, error) {
	flow := &waE2E.InteractiveMessage_NativeFlowMessage{MessageVersion: proto.Int32(1)}
	for _, b := range req.Buttons {
		var name string
		params := map[string]string{"display_text": b.Text}
		switch b.Type {
		case "reply":
			name, params["id"] = "quick_reply", b.ID
		case "url":
			name, params["url"], params["merchant_url"] = "cta_url", b.URL, b.URL
		case "call":
			name, params["phone_number"] = "cta_call", b.PhoneNumber
		case "copy":
			name, params["copy_code"] = "cta_copy", b.CopyCode
		default:
			return nil, fmt.Errorf("button type %q: %w", b.Type, engines.ErrInvalid)
		}
		js, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		flow.Buttons = append(flow.Buttons, &waE2E.InteractiveMessage_NativeFlowMessage_NativeFlowButton{
			Name: proto.String(name), ButtonParamsJSON: proto.String(string(js)),
		})
	}
	im := &waE2E.InteractiveMessage{
		Body:               &waE2E.InteractiveMessage_Body{Text: proto.String(req.Body)},
		InteractiveMessage: &waE2E.InteractiveMessage_NativeFlowMessage_{NativeFlowMessage: flow},
	}
	if req.Header != "" {
		im.Header = &waE2E.InteractiveMessage_Header{Title: proto.String(req.Header), HasMediaAttachment: proto.Bool(false)}
	}
	if req.Footer != "" {
		im.Footer = &waE2E.InteractiveMessage_Footer{Text: proto.String(req.Footer)}
	}
	return &waE2E.Message{ViewOnceMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		MessageContextInfo: &waE2E.MessageContextInfo{DeviceListMetadataVersion: proto.Int32(2), DeviceListMetadata: &waE2E.DeviceListMetadata{}},
		InteractiveMessage: im,
	}}}, nil
}

// nativeFlowBiz is the node that tells the server a message carries
// native-flow buttons.
func nativeFlowBiz() waBinary.Node {
	return waBinary.Node{Tag: "biz", Content: []waBinary.Node{{
		Tag: "interactive", Attrs: waBinary.Attrs{"type": "native_flow", "v": "1"},
		Content: []waBinary.Node{{Tag: "native_flow", Attrs: waBinary.Attrs{"v": "9", "name": "mixed"}}},
	}}}
}

// storedProto is the whatsmeow message of a stored message's _data.
func storedProto(data json.RawMessage) (*waE2E.Message, error) {
	var raw struct {
		Message json.RawMessage
	}
	if err := json.Unmarshal(data, &raw); err != nil || len(raw.Message) == 0 || string(raw.Message) == "null" {
		return nil, fmt.Errorf("the stored message has no content: %w", engines.ErrNotFound)
	}
	var m waE2E.Message
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw.Message, &m); err != nil {
		return nil, fmt.Errorf("decode stored message: %w", err)
	}
	return &m, nil
}

// pollOptions reads the options of a stored poll and how many may be chosen (0:
// any number); false when the message is not a poll.
func pollOptions(data json.RawMessage) ([]string, uint32, bool) {
	m, err := storedProto(data)
	if err != nil {
		return nil, 0, false
	}
	p := pollCreation(m)
	if p == nil {
		return nil, 0, false
	}
	opts := make([]string, len(p.GetOptions()))
	for i, o := range p.GetOptions() {
		opts[i] = o.GetOptionName()
	}
	return opts, p.GetSelectableOptionsCount(), true
}

// pollCreation is a message's poll, whichever version of it WhatsApp used.
func pollCreation(m *waE2E.Message) *waE2E.PollCreationMessage {
	switch {
	case m.PollCreationMessage != nil:
		return m.PollCreationMessage
	case m.PollCreationMessageV2 != nil:
		return m.PollCreationMessageV2
	case m.PollCreationMessageV3 != nil:
		return m.PollCreationMessageV3
	}
	return nil
}

// forwarded is the stored message as WhatsApp forwards it: the same content
// (media keeps pointing at the same upload), marked forwarded one more time,
// without what tied it to its chat (the quote, the mentions); a poll gets a
// secret of its own.
func forwarded(data json.RawMessage) (*waE2E.Message, error) {
	m, err := storedProto(data)
	if err != nil {
		return nil, err
	}
	if c := m.GetConversation(); m.Conversation != nil {
		m = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(c)}}
	}
	if m.MessageContextInfo != nil && len(m.MessageContextInfo.MessageSecret) > 0 {
		m.MessageContextInfo = &waE2E.MessageContextInfo{MessageSecret: random.Bytes(32)}
	} else {
		m.MessageContextInfo = nil
	}
	set := false
	msg := m.ProtoReflect()
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() {
			return true
		}
		inner := v.Message()
		cf := inner.Descriptor().Fields().ByName("contextInfo")
		if cf == nil {
			return true
		}
		old, _ := inner.Get(cf).Message().Interface().(*waE2E.ContextInfo)
		score := old.GetForwardingScore() + 1
		inner.Set(cf, protoreflect.ValueOfMessage((&waE2E.ContextInfo{
			IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(score),
		}).ProtoReflect()))
		set = true
		return false
	})
	if !set {
		return nil, fmt.Errorf("this kind of message cannot be forwarded: %w", engines.ErrNotAllowed)
	}
	return m, nil
}
