package simnet

import (
	"fmt"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waServerSync"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// handleAppStateIQ stores and serves app-state patches per account and
// collection. simnet treats them as opaque: the devices hold the keys.
func (s *Server) handleAppStateIQ(c *conn, node *waBinary.Node) {
	sync := node.GetChildByTag("sync")
	var out []waBinary.Node
	var changed []string
	for _, col := range sync.GetChildrenByTag("collection") {
		name := strAttr(&col, "name")
		if patch, ok := col.GetOptionalChildByTag("patch"); ok {
			res, ok := s.storePatch(c.dev.acc, name, strAttr(&col, "version"), bytesOf(patch))
			if ok {
				changed = append(changed, name)
			}
			out = append(out, res)
			continue
		}
		from, _ := strconv.ParseUint(strAttr(&col, "version"), 10, 64)
		out = append(out, s.patchesSince(c.dev.acc, name, from))
	}
	s.reply(c, node, waBinary.Node{Tag: "sync", Content: out})
	for _, name := range changed {
		s.notifyAppState(c.dev, name)
	}
}

// storePatch appends a patch if the sender built it on the current
// version; otherwise it answers 409 with the patches it missed, which
// whatsmeow applies before retrying once.
func (s *Server) storePatch(acc *account, name, versionAttr string, raw []byte) (waBinary.Node, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	patches := acc.appState[name]
	current := uint64(len(patches))
	base, err := strconv.ParseUint(versionAttr, 10, 64)
	if err != nil || base != current {
		return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{
			"name": name, "type": "error", "version": strconv.FormatUint(current, 10),
		}, Content: []waBinary.Node{
			{Tag: "error", Attrs: waBinary.Attrs{"code": "409", "text": "conflict"}},
			patchesNode(patches[min(base, current):]),
		}}, false
	}
	var patch waServerSync.SyncdPatch
	if err := proto.Unmarshal(raw, &patch); err != nil {
		return collectionError(name, 400, "bad-request"), false
	}
	// whatsmeow computes its MACs for current+1 but leaves the field empty;
	// readers validate against it, so the server fills it in.
	patch.Version = &waServerSync.SyncdVersion{Version: proto.Uint64(current + 1)}
	stored, err := proto.Marshal(&patch)
	if err != nil {
		return collectionError(name, 500, fmt.Sprintf("marshal: %v", err)), false
	}
	acc.appState[name] = append(patches, stored)
	return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{
		"name": name, "version": strconv.FormatUint(current+1, 10),
	}}, true
}

func collectionError(name string, code int, text string) waBinary.Node {
	return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "type": "error"},
		Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": strconv.Itoa(code), "text": text}}}}
}

// patchesSince answers a fetch with every patch after version from. It
// never sends a snapshot: the full history is kept, so patches from v1
// serve a "snapshot" request too.
func (s *Server) patchesSince(acc *account, name string, from uint64) waBinary.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	patches := acc.appState[name]
	current := uint64(len(patches))
	return waBinary.Node{Tag: "collection", Attrs: waBinary.Attrs{
		"name": name, "version": strconv.FormatUint(current, 10), "has_more_patches": "false",
	}, Content: []waBinary.Node{patchesNode(patches[min(from, current):])}}
}

func patchesNode(patches [][]byte) waBinary.Node {
	children := make([]waBinary.Node, len(patches))
	for i, p := range patches {
		children[i] = waBinary.Node{Tag: "patch", Content: p}
	}
	return waBinary.Node{Tag: "patches", Content: children}
}

// notifyAppState tells the account's other devices that a collection
// moved on, so they fetch it (whatsmeow's server_sync handling).
func (s *Server) notifyAppState(sender *device, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	version := strconv.Itoa(len(sender.acc.appState[name]))
	for _, d := range sender.acc.devices {
		if d == sender {
			continue
		}
		d.deliver(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
			"from": types.ServerJID, "type": "server_sync", "id": newID(), "t": now(),
		}, Content: []waBinary.Node{{Tag: "collection", Attrs: waBinary.Attrs{"name": name, "version": version}}}})
	}
}
