package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

// replicaSessions is how many sessions the replicas test spreads over three
// gateways; WAGATE_REPLICAS_SESSIONS changes it (a multiple of 3).
const replicaSessions = 30

// TestReplicas runs three gateway processes on one PostgreSQL and one external
// simnet. Sessions created through the replicas in turn are spread evenly;
// every replica serves requests for every session (proxying to its owner), and
// any of them moves a session to another when asked. Then:
//   - SIGKILL one replica: its sessions are WORKING on the others within 30 s, and
//     the messages a contact sent them meanwhile are all stored and delivered;
//   - SIGSTOP another past its lease: the others take its sessions over, and once
//     it wakes up it stops, writes nothing and runs none of them;
//   - a rolling restart of all three moves sessions in seconds and loses nothing.
//
// No device is ever connected twice at once except the paused replica's, which
// the new owner's login kicks, as WhatsApp does.
func TestReplicas(t *testing.T) {
	n := envCount(t, "WAGATE_REPLICAS_SESSIONS", replicaSessions, 3)
	bin := buildWagate(t)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	c := startReplicaCluster(t, ctx, bin, n)
	sn, gws, rcv, all, owners := c.sn, c.gws, c.rcv, c.names, c.owners
	const contact = replicaContact
	phone, name := replicaPhone, replicaName

	// Every replica answers for every session, and says the session's owner did
	// (X-Wagate-Replica), whether it ran it or proxied the request to it; a request
	// for no session is answered by the replica asked.
	for i := range n {
		for j, gw := range gws {
			var me struct{ ID string }
			code, by := getReplica(t, ctx, gw.base()+"/api/sessions/"+name(i)+"/me", gw.key, &me)
			if code != http.StatusOK || me.ID != phone(i)+"@c.us" || by != owners[name(i)] {
				t.Fatalf("gw%d: me of %s (run by %s): %d %q, X-Wagate-Replica %q", j, name(i), owners[name(i)], code, me.ID, by)
			}
		}
	}
	for j, gw := range gws {
		if code, by := getReplica(t, ctx, gw.base()+"/api/server/status", gw.key, nil); code != http.StatusOK || by != fmt.Sprintf("gw%d", j) {
			t.Fatalf("gw%d: /api/server/status: %d, X-Wagate-Replica %q", j, code, by)
		}
	}

	// A move asked of a third replica: the owner stops the session and the
	// target runs it within a round; a replica that is not live is refused.
	from := slices.Index([]string{"gw0", "gw1", "gw2"}, owners[name(0)])
	to, via := fmt.Sprintf("gw%d", (from+1)%3), gws[(from+2)%3]
	if code := post(t, ctx, via.base()+"/api/sessions/"+name(0)+"/move", via.key, map[string]string{"replica": "gw9"}, nil); code != http.StatusUnprocessableEntity {
		t.Fatalf("move %s to a replica that is not live: %d, want 422", name(0), code)
	}
	if code := post(t, ctx, via.base()+"/api/sessions/"+name(0)+"/move", via.key, map[string]string{"replica": to}, nil); code != http.StatusCreated {
		t.Fatalf("move %s from %s to %s: %d", name(0), owners[name(0)], to, code)
	}
	owners = waitAllWorking(t, ctx, via, all, func(s, o string) bool { return s != name(0) || o == to })

	// A websocket on any replica carries every session's events: gw2 relays
	// those of the sessions the others run.
	stream := openEvents(t, ctx, gws[2], "session=*&events=message")

	sent := map[string][]string{} // session → the texts the contact sent it
	send := func(i int, what string) {
		text := fmt.Sprintf("%s to %s", what, name(i))
		var res struct{ ID string }
		if code := post(t, ctx, sn.api+"/accounts/"+contact+"/messages", "", map[string]string{"to": phone(i), "text": text}, &res); code != http.StatusOK {
			t.Fatalf("contact's message to %s: %d", phone(i), code)
		}
		sent[name(i)] = append(sent[name(i)], text)
	}
	for i := range n {
		send(i, "hello")
	}
	stream.waitBodies(t, ctx, sent)

	// SIGKILL gw0: its sessions run elsewhere within 30 s.
	victim := gws[0]
	var moved []string
	for s, o := range owners {
		if o == "gw0" {
			moved = append(moved, s)
		}
	}
	slices.Sort(moved)
	victim.kill()
	killed := time.Now()
	for i := range n {
		if owners[name(i)] == "gw0" {
			for k := range 3 {
				send(i, fmt.Sprintf("during failover %d", k))
			}
		}
	}
	owners = waitAllWorking(t, ctx, gws[1], all, func(s, o string) bool { return o != "gw0" })
	failover := time.Since(killed)
	t.Logf("SIGKILL: %d sessions of gw0 WORKING on gw1 and gw2 after %s", len(moved), failover.Round(100*time.Millisecond))
	if failover > 30*time.Second {
		t.Errorf("failover took %s, more than 30 s", failover)
	}
	checkStored(t, ctx, gws[1], contact, sent)
	victim.start(ctx) // back, empty
	waitReplicas(t, ctx, gws[1], 3)

	// SIGSTOP gw1 past its lease: the others take over; woken, it stops.
	paused := gws[1]
	var pausedSessions []string
	for s, o := range owners {
		if o == "gw1" {
			pausedSessions = append(pausedSessions, s)
		}
	}
	if err := paused.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	owners = waitAllWorking(t, ctx, gws[2], all, func(s, o string) bool { return o != "gw1" })
	t.Logf("SIGSTOP: %d sessions of gw1 WORKING elsewhere after %s", len(pausedSessions), time.Since(stopped).Round(100*time.Millisecond))
	if err := paused.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// Woken, it finds its deadline passed: it stops what it ran, and the owners'
	// sessions stay WORKING where they are.
	var health struct {
		Checks struct {
			Leases struct {
				Owned int `json:"owned"`
				Lost  int `json:"lost"`
			} `json:"leases"`
		} `json:"checks"`
	}
	for health.Checks.Leases.Lost < len(pausedSessions) || health.Checks.Leases.Owned != 0 {
		sleepCtx(t, ctx, 50*time.Millisecond, "the woken replica to drop its leases")
		// 503 while its leases are not renewed in time: the body says why.
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, paused.base()+"/health", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		json.NewDecoder(res.Body).Decode(&health)
		res.Body.Close()
	}
	for i := range n {
		send(i, "after the pause")
	}
	after := waitAllWorking(t, ctx, gws[0], all, nil)
	for s, o := range owners {
		if after[s] != o {
			t.Errorf("session %s moved from %s to %s after gw1 woke up", s, o, after[s])
		}
	}
	checkStored(t, ctx, gws[0], contact, sent)
	// The stream on gw2 follows the sessions that moved, and the replica that
	// came back: it has every message sent after the pause too.
	afterPause := map[string][]string{}
	for s, texts := range sent {
		afterPause[s] = texts[len(texts)-1:]
	}
	stream.waitBodies(t, ctx, afterPause)

	// Rolling restart: each replica in turn stops (handing its leases back) and
	// starts again; the others run its sessions within seconds.
	var worst time.Duration
	for i, gw := range gws {
		gw.term(ctx)
		start := time.Now()
		other := gws[(i+1)%3]
		waitAllWorking(t, ctx, other, all, func(_, o string) bool { return o != fmt.Sprintf("gw%d", i) })
		took := time.Since(start)
		worst = max(worst, took)
		t.Logf("rolling restart: gw%d stopped, its sessions WORKING elsewhere after %s", i, took.Round(100*time.Millisecond))
		for j := range n {
			send(j, fmt.Sprintf("restart %d", i))
		}
		gw.start(ctx)
		waitReplicas(t, ctx, other, 3)
	}
	if worst > 10*time.Second {
		t.Errorf("a rolling restart step took %s to move sessions", worst)
	}
	checkStored(t, ctx, gws[0], contact, sent)
	want := 0
	for _, texts := range sent {
		want += len(texts)
	}
	rcv.waitMessages(ctx, want)

	// No device ran twice at once, except the paused replica's, kicked once.
	for i := range n {
		dev := simnetDevice(t, ctx, sn, phone(i))
		allowed := 0
		if slices.Contains(pausedSessions, name(i)) {
			allowed = 1
		}
		if dev.Replaced > allowed {
			t.Errorf("device of %s (%s) was connected twice at once %d times", name(i), dev.Device, dev.Replaced)
		}
	}
}

// envCount is the positive multiple of unit the environment variable name says,
// or def when it is unset.
func envCount(t testing.TB, name string, def, unit int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n%unit != 0 {
		t.Fatalf("%s=%q: want a positive multiple of %d", name, s, unit)
	}
	return n
}

// replicaContact is the simnet account that writes to the replicas' sessions;
// replicaPhone(i) is the account session replicaName(i) is paired with.
const replicaContact = "15550399999"

func replicaPhone(i int) string { return fmt.Sprintf("155503%05d", i) }
func replicaName(i int) string  { return fmt.Sprintf("r%02d", i) }

// replicaCluster is three gateway processes (gw0, gw1, gw2) on one PostgreSQL
// and one external simnet, with n NOWEB sessions paired, WORKING and spread
// evenly over them, each with a webhook for messages to rcv.
type replicaCluster struct {
	sn     simnetProc
	gws    []*gatewayProc
	rcv    *flakyReceiver
	names  []string          // replicaName(i) for i < n
	phones map[string]string // session → the simnet account it is paired with
	owners map[string]string // session → the replica running it, once all WORKING
}

// startReplicaCluster starts the cluster of bin and pairs its sessions. Each
// process's logs are under a temporary directory, or WAGATE_REPLICAS_DIR to keep
// them for a look.
func startReplicaCluster(t testing.TB, ctx context.Context, bin string, n int) *replicaCluster {
	t.Helper()
	dir := t.TempDir()
	if keep := os.Getenv("WAGATE_REPLICAS_DIR"); keep != "" {
		dir = keep
	}
	c := &replicaCluster{sn: startSimnetProcess(t, ctx, bin, filepath.Join(dir, "simnet"))}
	for i := -1; i < n; i++ {
		p := replicaContact
		if i >= 0 {
			p = replicaPhone(i)
		}
		if code := post(t, ctx, c.sn.api+"/accounts", "", map[string]any{"phone": p, "name": "Replica " + p}, nil); code != http.StatusCreated {
			t.Fatalf("create simnet account %s: %d", p, code)
		}
	}
	c.rcv = newFlakyReceiver(t)
	c.rcv.fail()
	c.rcv.recover()

	dsn := storetest.DSN(t, store.Postgres)
	c.gws = make([]*gatewayProc, 3)
	for i := range c.gws {
		port := freePort(t)
		c.gws[i] = &gatewayProc{t: t, bin: bin, dir: filepath.Join(dir, fmt.Sprintf("gw%d", i)), port: port, key: "replica-key", env: []string{
			"WAGATE_DATA_DIR=" + filepath.Join(dir, fmt.Sprintf("gw%d", i), "data"),
			"WAGATE_SERVER_HOST=127.0.0.1",
			fmt.Sprintf("WAGATE_SERVER_PORT=%d", port),
			"WAGATE_SERVER_API_KEY=replica-key",
			"WAGATE_STORE_DSN=" + dsn,
			fmt.Sprintf("WAGATE_CLUSTER_REPLICA_ID=gw%d", i),
			fmt.Sprintf("WAGATE_CLUSTER_ADVERTISE_URL=http://127.0.0.1:%d", port),
			"WAGATE_LOG_LEVEL=info",
			"WAGATE_ENGINES_NOWEB_PRINT_QR=false",
			"WAGATE_ENGINES_NOWEB_SIMNET_ADDR=" + c.sn.addr,
			"WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY=" + c.sn.root,
		}}
		if err := os.MkdirAll(c.gws[i].dir, 0o700); err != nil {
			t.Fatal(err)
		}
		c.gws[i].start(ctx)
		t.Cleanup(c.gws[i].stop)
	}
	for _, gw := range c.gws {
		gw.peers = c.gws
	}
	waitReplicas(t, ctx, c.gws[0], 3)

	// Created through the replicas in turn; each goes to the one with most room.
	for i := range n {
		gw := c.gws[i%3]
		session := map[string]any{"name": replicaName(i), "engine": "NOWEB", "config": map[string]any{
			"webhooks": []map[string]any{{"url": c.rcv.url, "events": []string{"message"}}},
		}}
		if code := post(t, ctx, gw.base()+"/api/sessions", gw.key, session, nil); code != http.StatusCreated {
			t.Fatalf("create session %s through gw%d: %d", replicaName(i), i%3, code)
		}
	}
	for i := range n {
		gw := c.gws[(i+1)%3] // another replica than the one it was created through
		var qr struct{ Value string }
		for get(t, ctx, gw.base()+"/api/"+replicaName(i)+"/auth/qr?format=raw", gw.key, &qr) != http.StatusOK || qr.Value == "" {
			sleepCtx(t, ctx, 20*time.Millisecond, "QR code of "+replicaName(i))
		}
		if code := post(t, ctx, c.sn.api+"/accounts/"+replicaPhone(i)+"/scan", "", map[string]string{"qr": qr.Value}, nil); code != http.StatusOK {
			t.Fatalf("scan %s: %d", replicaName(i), code)
		}
	}
	c.names, c.phones = make([]string, n), map[string]string{}
	for i := range n {
		c.names[i] = replicaName(i)
		c.phones[c.names[i]] = replicaPhone(i)
	}
	c.owners = waitAllWorking(t, ctx, c.gws[2], c.names, nil)
	perReplica := map[string]int{}
	for _, o := range c.owners {
		perReplica[o]++
	}
	for i := range c.gws {
		if got := perReplica[fmt.Sprintf("gw%d", i)]; got != n/3 {
			t.Fatalf("sessions per replica %v: want %d each", perReplica, n/3)
		}
	}
	return c
}

// term stops the gateway with SIGTERM and waits for it to exit.
func (g *gatewayProc) term(ctx context.Context) {
	g.t.Helper()
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		g.t.Fatal(err)
	}
	select {
	case <-g.exited:
	case <-ctx.Done():
		g.t.Fatalf("gateway did not stop on SIGTERM:\n%s", g.tail())
	}
}

func sleepCtx(t testing.TB, ctx context.Context, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
	case <-time.After(d):
	}
}

// waitReplicas waits until gw lists n live replicas.
func waitReplicas(t testing.TB, ctx context.Context, gw *gatewayProc, n int) {
	t.Helper()
	for {
		var st struct {
			Replicas []struct{ ID string } `json:"replicas"`
		}
		if get(t, ctx, gw.base()+"/api/server/status", gw.key, &st) == http.StatusOK && len(st.Replicas) == n {
			return
		}
		sleepCtx(t, ctx, 50*time.Millisecond, fmt.Sprintf("%d replicas", n))
	}
}

// listedSession is a session as GET /api/sessions lists it.
type listedSession struct {
	Name           string `json:"name"`
	Status         string `json:"status"`
	AssignedWorker string `json:"assignedWorker"`
}

// workingOn lists every session gw knows (nil when it does not answer), and
// which of them are WORKING on a replica ok accepts (nil: any), with that
// replica.
func workingOn(t testing.TB, ctx context.Context, gw *gatewayProc, ok func(session, replica string) bool) ([]listedSession, map[string]string) {
	var list []listedSession
	owners := map[string]string{}
	if get(t, ctx, gw.base()+"/api/sessions?all=true", gw.key, &list) != http.StatusOK {
		return nil, owners
	}
	for _, s := range list {
		if s.Status == "WORKING" && s.AssignedWorker != "" && (ok == nil || ok(s.Name, s.AssignedWorker)) {
			owners[s.Name] = s.AssignedWorker
		}
	}
	return list, owners
}

// waitAllWorking waits until gw lists every session WORKING on a replica ok
// accepts, and returns each one's replica.
func waitAllWorking(t testing.TB, ctx context.Context, gw *gatewayProc, names []string, ok func(session, replica string) bool) map[string]string {
	t.Helper()
	for {
		list, owners := workingOn(t, ctx, gw, ok)
		if len(owners) == len(names) {
			return owners
		}
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d sessions WORKING where expected: %v\n%s", len(owners), len(names), list, gw.tail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// simnetDeviceInfo is a linked device as simnet's control API lists it.
type simnetDeviceInfo struct {
	Device    string `json:"device"`
	Connected bool   `json:"connected"`
	Logins    int    `json:"logins"`
	Replaced  int    `json:"replaced"` // logins that found it connected already
}

// simnetDevice is the one device linked to the simnet account phone.
func simnetDevice(t testing.TB, ctx context.Context, sn simnetProc, phone string) simnetDeviceInfo {
	t.Helper()
	var devs []simnetDeviceInfo
	if code := get(t, ctx, sn.api+"/accounts/"+phone+"/devices", "", &devs); code != http.StatusOK || len(devs) != 1 {
		t.Fatalf("devices of %s: %d %v", phone, code, devs)
	}
	return devs[0]
}

// checkStored waits until every text sent to each session is stored, as gw
// lists them (proxied to the session's owner).
func checkStored(t testing.TB, ctx context.Context, gw *gatewayProc, contact string, sent map[string][]string) {
	t.Helper()
	for s, texts := range sent {
		for {
			var msgs []struct{ Body string }
			have := map[string]int{}
			if get(t, ctx, gw.base()+"/api/"+s+"/chats/"+contact+"@c.us/messages?limit=1000", gw.key, &msgs) == http.StatusOK {
				for _, m := range msgs {
					have[m.Body]++
				}
			}
			missing := 0
			for _, text := range texts {
				if have[text] != 1 {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("session %s: %d of %d messages not stored exactly once (have %v); its log lines:\n%s", s, missing, len(texts), have, sessionLines(gw.peers, s))
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// getReplica is get, with the X-Wagate-Replica of the answer.
func getReplica(t *testing.T, ctx context.Context, u, key string, out any) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode < 300 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			return 0, ""
		}
	}
	return res.StatusCode, res.Header.Get("X-Wagate-Replica")
}
