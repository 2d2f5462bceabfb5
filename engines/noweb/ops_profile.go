package noweb

import (
	"context"
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
)

// Profile is the account's id, push name and picture.
func (e *Engine) Profile(ctx context.Context) (engines.MyProfile, error) {
	cli, err := e.client()
	if err != nil {
		return engines.MyProfile{}, err
	}
	own := cli.Store.ID.ToNonAD()
	p := engines.MyProfile{ID: wahaID(own), Name: cli.Store.PushName}
	info, err := cli.GetProfilePictureInfo(ctx, own, &whatsmeow.GetProfilePictureParams{})
	switch {
	case errors.Is(err, whatsmeow.ErrProfilePictureNotSet), errors.Is(err, whatsmeow.ErrProfilePictureUnauthorized):
	case err != nil:
		return p, fmt.Errorf("get own profile picture: %w", err)
	case info != nil && info.URL != "":
		p.Picture = &info.URL
	}
	return p, nil
}

// SetProfileName changes the push name: the setting_pushName mutation every
// device of the account applies (whatsmeow stores it when the patch comes
// back), then a presence carrying it, which is how WhatsApp's server, and so
// the people we write to, learn it.
func (e *Engine) SetProfileName(ctx context.Context, name string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if err := cli.SendAppState(ctx, appstate.BuildSettingPushName(name)); err != nil {
		return fmt.Errorf("send push name app state patch: %w", err)
	}
	if cli.Store.PushName != name {
		// The resync after the send normally brought it back already.
		cli.Store.PushName = name
		if err := cli.Store.Save(ctx); err != nil {
			return fmt.Errorf("save push name: %w", err)
		}
	}
	if err := e.resendPresence(ctx, cli); err != nil {
		return fmt.Errorf("announce the new push name: %w", err)
	}
	e.mu.Lock()
	gen := e.gen
	e.mu.Unlock()
	e.setMe(gen, cli)
	return nil
}

// SetProfileAbout sets the about text (a status IQ).
func (e *Engine) SetProfileAbout(ctx context.Context, about string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if err := cli.SetStatusMessage(ctx, about); err != nil {
		return fmt.Errorf("set about: %w", err)
	}
	return nil
}

// SetProfilePicture uploads the account's picture (a w:profile:picture IQ
// without a target is the account's own); the JPEG is already 640×640.
func (e *Engine) SetProfilePicture(ctx context.Context, pic engines.ProfilePicture) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if _, err := cli.SetGroupPhoto(ctx, types.EmptyJID, pic.JPEG); err != nil {
		if errors.Is(err, whatsmeow.ErrInvalidImageFormat) {
			return fmt.Errorf("%w: WhatsApp refused the picture: %w", engines.ErrInvalid, err)
		}
		return fmt.Errorf("set profile picture: %w", err)
	}
	e.forgetPicture(wahaID(cli.Store.ID.ToNonAD()))
	return nil
}

func (e *Engine) DeleteProfilePicture(ctx context.Context) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if _, err := cli.SetGroupPhoto(ctx, types.EmptyJID, nil); err != nil {
		return fmt.Errorf("delete profile picture: %w", err)
	}
	e.forgetPicture(wahaID(cli.Store.ID.ToNonAD()))
	return nil
}

// forgetPicture drops a cached picture URL (it changed).
func (e *Engine) forgetPicture(chat string) {
	e.mu.Lock()
	delete(e.pictures, chat)
	e.mu.Unlock()
}
