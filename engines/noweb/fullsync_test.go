package noweb

import (
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
)

// TestFullSyncDeviceProps: the companion properties a session sends at pairing ask
// for a year of full history when its config.noweb.store.fullSync is on, and for
// the default recent history otherwise; two sessions pairing in one process each
// get their own.
func TestFullSyncDeviceProps(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		ctx := testCtx(t)
		for _, tc := range []struct {
			session, phone string
			fullSync       bool
		}{{"full", "491510000101", true}, {"recent", "491510000102", false}} {
			if _, err := e.srv.CreateAccount(ctx, tc.phone, tc.session); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			h := newFakeHost(e.db.ChatStore())
			spec := sessions.Spec{Name: tc.session, Engine: engines.NOWEB}
			if tc.fullSync {
				spec.Config.NOWEB = &engines.NOWEBConfig{Store: &engines.NOWEBStoreConfig{FullSync: true}}
			}
			en, err := e.factory.New(ctx, spec, h)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			eng := en.(*Engine)
			t.Cleanup(func() { _ = eng.Stop(t.Context()) })
			pairByQR(t, ctx, e, eng, h, tc.phone)
			jid, err := types.ParseJID(h.getMe().JID)
			if err != nil {
				t.Fatalf("parse %q: %v", h.getMe().JID, err)
			}
			props, err := e.srv.DeviceProps(jid)
			if err != nil {
				t.Fatalf("DeviceProps: %v", err)
			}
			hs := props.GetHistorySyncConfig()
			if props.GetRequireFullSync() != tc.fullSync {
				t.Errorf("%s: RequireFullSync = %v, want %v", tc.session, props.GetRequireFullSync(), tc.fullSync)
			}
			wantDays := uint32(0)
			if tc.fullSync {
				wantDays = fullSyncDays
			}
			if hs.GetFullSyncDaysLimit() != wantDays {
				t.Errorf("%s: FullSyncDaysLimit = %d, want %d", tc.session, hs.GetFullSyncDaysLimit(), wantDays)
			}
			if props.GetOs() == "" || hs.GetStorageQuotaMb() == 0 {
				t.Errorf("%s: whatsmeow's own props lost: os %q, quota %d", tc.session, props.GetOs(), hs.GetStorageQuotaMb())
			}
		}
	})
}
