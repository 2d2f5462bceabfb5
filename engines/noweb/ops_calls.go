package noweb

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
)

// RejectCall declines a call offer; the caller's phone stops ringing.
func (e *Engine) RejectCall(ctx context.Context, from engines.ChatID, id string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if err := cli.RejectCall(ctx, toJID(from), id); err != nil {
		return fmt.Errorf("reject call: %w", err)
	}
	return nil
}

// callData is the _data of a call event: whatsmeow's call metadata.
type callData struct {
	types.BasicCallMeta
	types.CallRemoteMeta
}

// onCall emits call.received for an offer, call.accepted and call.rejected
// when one of the account's devices (or the caller) answers it.
func (e *Engine) onCall(ctx context.Context, cli *whatsmeow.Client, evt any) error {
	var (
		name  string
		meta  types.BasicCallMeta
		rmeta types.CallRemoteMeta
		video bool
	)
	switch v := evt.(type) {
	case *events.CallOffer:
		name, meta, rmeta = "call.received", v.BasicCallMeta, v.CallRemoteMeta
		if v.Data != nil {
			_, video = v.Data.GetOptionalChildByTag("video")
		}
	case *events.CallAccept:
		name, meta, rmeta = "call.accepted", v.BasicCallMeta, v.CallRemoteMeta
	case *events.CallReject:
		name, meta = "call.rejected", v.BasicCallMeta
	default:
		return nil
	}
	creator := meta.CallCreator
	if creator.Server == types.HiddenUserServer && meta.CallCreatorAlt.Server == types.DefaultUserServer {
		creator = meta.CallCreatorAlt
	}
	payload := engines.Call{
		ID: meta.CallID, From: wahaID(canonical(ctx, cli, creator)), Timestamp: meta.Timestamp.Unix(),
		IsVideo: video, IsGroup: !meta.GroupJID.IsEmpty(), Data: callData{meta, rmeta},
	}
	return e.host.Record(ctx, sessions.Events(sessions.Emission{Event: name, Payload: payload}))
}
