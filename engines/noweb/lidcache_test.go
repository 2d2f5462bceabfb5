package noweb

import (
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// TestLIDCacheWarmAtStart: a factory starts with the stored LID mappings in
// whatsmeow's cache, so a login writing its own mapping again finds it there
// (the mapping is gone from the table here, and still answered).
func TestLIDCacheWarmAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		st, _ := storetest.Open(t, d)
		opts := Options{DB: st.SQL(), Devices: st.NOWEBDevices(), Dialect: string(st.Dialect()), Log: testLogger(), Chats: st.ChatStore()}
		if _, err := NewFactory(ctx, opts); err != nil { // creates whatsmeow's tables
			t.Fatal(err)
		}
		if _, err := st.SQL().ExecContext(ctx, `INSERT INTO whatsmeow_lid_map (lid, pn) VALUES ('100000000000001', '31600000001')`); err != nil {
			t.Fatal(err)
		}
		sf, err := NewFactory(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		f := sf.(*Factory)
		if _, err := st.SQL().ExecContext(ctx, `DELETE FROM whatsmeow_lid_map`); err != nil {
			t.Fatal(err)
		}
		lid, err := f.container.LIDMap.GetLIDForPN(ctx, types.JID{User: "31600000001", Server: types.DefaultUserServer})
		if err != nil || lid.User != "100000000000001" {
			t.Fatalf("LID of the stored mapping after start: %v, %v; want it from the cache", lid, err)
		}
		// Not marked full: a mapping another replica writes later is still read.
		if _, err := st.SQL().ExecContext(ctx, `INSERT INTO whatsmeow_lid_map (lid, pn) VALUES ('100000000000002', '31600000002')`); err != nil {
			t.Fatal(err)
		}
		if lid, err := f.container.LIDMap.GetLIDForPN(ctx, types.JID{User: "31600000002", Server: types.DefaultUserServer}); err != nil || lid.User != "100000000000002" {
			t.Fatalf("LID written after start: %v, %v", lid, err)
		}
	})
}
