package noweb

import (
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"google.golang.org/protobuf/proto"
)

// History the phone is asked for at pairing, as WAHA's noweb.store.fullSync: off,
// the phone's default recent sync (about three months); on, a full sync of about
// a year.
const (
	fullSyncDays   = 365
	fullSyncSizeMB = 10240
)

// requestHistory makes cli's pairing ask for a full history sync (fullSync) or the
// default recent one. whatsmeow builds the registration payload from the
// process-wide store.DeviceProps; changing that global would change every session
// pairing at the same moment. whatsmeow.Client.GetClientPayload is the per-client
// way: this client's payload is whatsmeow's own, with its DeviceProps (sent only
// in the registration payload, i.e. at pairing) rewritten for this session alone.
// The global is never written.
func requestHistory(cli *whatsmeow.Client, fullSync bool) {
	cli.GetClientPayload = func() *waWa6.ClientPayload {
		payload := cli.Store.GetClientPayload()
		if pd := payload.GetDevicePairingData(); pd != nil {
			if props, err := companionProps(pd.GetDeviceProps(), fullSync); err == nil {
				pd.DeviceProps = props
			}
		}
		return payload
	}
}

// companionProps rewrites encoded DeviceProps to ask for full or recent history.
func companionProps(raw []byte, fullSync bool) ([]byte, error) {
	var props waCompanionReg.DeviceProps
	if err := proto.Unmarshal(raw, &props); err != nil {
		return nil, err
	}
	if props.HistorySyncConfig == nil {
		props.HistorySyncConfig = &waCompanionReg.DeviceProps_HistorySyncConfig{}
	}
	props.RequireFullSync = proto.Bool(fullSync)
	if fullSync {
		props.HistorySyncConfig.FullSyncDaysLimit = proto.Uint32(fullSyncDays)
		props.HistorySyncConfig.FullSyncSizeMbLimit = proto.Uint32(fullSyncSizeMB)
		props.HistorySyncConfig.StorageQuotaMb = proto.Uint32(max(props.HistorySyncConfig.GetStorageQuotaMb(), fullSyncSizeMB))
	} else {
		props.HistorySyncConfig.FullSyncDaysLimit = nil
		props.HistorySyncConfig.FullSyncSizeMbLimit = nil
	}
	return proto.Marshal(&props)
}
