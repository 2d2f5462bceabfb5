//go:build dockersmoke

// The replicas compose smoke test: `make compose-replicas-smoke`. It needs a
// Docker engine, docker compose ≥ 2.24 and the images the compose files name
// (make compose-stand-in-images where Docker Hub is out of reach), so it is not
// part of make test.

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/engines/noweb/simnet"
	"github.com/wagate/wagate/internal/wait"
)

// composeProject runs docker compose on the README's replica files (and extra
// ones) as its own project, with the API key and the load balancer's port.
type composeProject struct {
	t     *testing.T
	name  string
	files []string
	env   []string
}

func (p *composeProject) run(args ...string) (string, error) {
	full := []string{"compose", "-p", p.name}
	for _, f := range p.files {
		full = append(full, "-f", f)
	}
	cmd := exec.Command("docker", append(full, args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (p *composeProject) do(args ...string) string {
	p.t.Helper()
	out, err := p.run(args...)
	if err != nil {
		p.t.Fatalf("docker compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// lbCall is call through the load balancer, with the replica that answered
// (X-Wagate-Replica); a status of 0 is a request that got no answer.
func lbCall(t *testing.T, method, url string, body, out any) (int, string) {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, url, strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", smokeKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode, res.Header.Get("X-Wagate-Replica")
}

type lbStatus struct {
	Worker   struct{ ID string }
	Replicas []struct {
		ID       string
		Address  string
		Sessions int
	}
}

// TestComposeReplicas runs the README's replicas setup for real:
//
//	WAHA_API_KEY=… docker compose -f docker-compose.yml -f docker-compose.replicas.yml up --scale wagate=3
//
// with one more file pointing NOWEB at a simnet in this process, on the Docker
// bridge. Through Caddy only: three replicas listed, requests spread over all
// three, sessions placed two per replica and paired, every session answered and
// sending whichever replica the request lands on; a replica stopped (docker
// stop: SIGTERM) and another killed move their sessions to the last one, and
// both come back under their own ids; and recreating every container keeps
// the replicas and their sessions.
func TestComposeReplicas(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The containers reach the host as host-gateway, the default bridge's address;
	// simnet listens there only.
	bridge := docker(t, "network", "inspect", "bridge", "-f", "{{(index .IPAM.Config 0).Gateway}}")
	srv, err := startSimnet(ctx, net.JoinHostPort(bridge, "0"), t.TempDir(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, simPort, _ := net.SplitHostPort(srv.Addr())
	pub := srv.RootPublicKey()
	simnetFile := filepath.Join(t.TempDir(), "simnet.yml")
	if err := os.WriteFile(simnetFile, []byte(fmt.Sprintf(`services:
  wagate:
    extra_hosts: ["host.docker.internal:host-gateway"]
    environment:
      WAGATE_ENGINES_NOWEB_SIMNET_ADDR: host.docker.internal:%s
      WAGATE_ENGINES_NOWEB_SIMNET_ROOT_PUBLIC_KEY: %s
      WAGATE_ENGINES_NOWEB_PRINT_QR: "false"
`, simPort, hex.EncodeToString(pub[:]))), 0o644); err != nil {
		t.Fatal(err)
	}

	lbPort := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", lbPort)
	p := &composeProject{t: t, name: "wagate-replicas-smoke",
		files: []string{filepath.Join(root, "docker-compose.yml"), filepath.Join(root, "docker-compose.replicas.yml"), simnetFile},
		env:   []string{"WAHA_API_KEY=" + smokeKey, fmt.Sprintf("WHATSAPP_API_PORT=%d", lbPort)}}
	p.run("down", "-v", "--remove-orphans")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := p.run("logs", "--no-color", "--tail", "60")
			t.Logf("logs:\n%s", out)
		}
		if out, err := p.run("down", "-v", "--remove-orphans"); err != nil {
			t.Errorf("docker compose down: %v\n%s", err, out)
		}
	})
	t.Logf("%s", p.do("version"))
	p.do("config", "--quiet")
	start := time.Now()
	p.do("up", "-d", "--build", "--scale", "wagate=3", "--wait", "--wait-timeout", "600")
	t.Logf("docker compose up --build --scale wagate=3 --wait: %s", time.Since(start).Round(time.Second))

	status := func() lbStatus {
		var s lbStatus
		lbCall(t, "GET", base+"/api/server/status", nil, &s)
		return s
	}
	replicaIDs := func(s lbStatus) []string {
		var ids []string
		for _, r := range s.Replicas {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		return ids
	}
	var ids []string
	waitFor(t, "3 replicas in /api/server/status", func() bool {
		ids = replicaIDs(status())
		return len(ids) == 3
	})
	// Caddy spreads requests over the three (round robin).
	served := map[string]int{}
	for range 9 {
		served[status().Worker.ID]++
	}
	if len(served) != 3 {
		t.Fatalf("9 requests through Caddy were served by %v, want all of %v", served, ids)
	}
	t.Logf("replicas %v; 9 requests through Caddy served %v", ids, served)

	// The replica's container, by the address it advertises (its hostname).
	containers := map[string]string{}
	for _, r := range status().Replicas {
		containers[r.ID] = strings.TrimSuffix(strings.TrimPrefix(r.Address, "http://"), ":3000")
	}

	const n = 6
	name := func(i int) string { return fmt.Sprintf("c%d", i) }
	phone := func(i int) string { return fmt.Sprintf("1555014%04d", i) }
	for i := range n {
		if code, _ := lbCall(t, "POST", base+"/api/sessions", map[string]any{"name": name(i), "engine": "NOWEB"}, nil); code != http.StatusCreated {
			t.Fatalf("create %s: %d", name(i), code)
		}
	}
	for i := range n {
		var qr map[string]string
		waitFor(t, "the QR code of "+name(i), func() bool {
			code, _ := lbCall(t, "GET", base+"/api/"+name(i)+"/auth/qr?format=raw", nil, &qr)
			return code == http.StatusOK && qr["value"] != ""
		})
		if _, err := srv.CreateAccount(ctx, phone(i), "Compose "+name(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.ScanQR(ctx, phone(i), qr["value"]); err != nil {
			t.Fatalf("scan %s: %v", name(i), err)
		}
	}
	// owners waits for every session to be WORKING on a replica ok accepts.
	owners := func(what string, ok func(replica string) bool) map[string]string {
		t.Helper()
		got := map[string]string{}
		wait.For(t, 60*time.Second, func() error {
			for i := range n {
				var s struct{ Status, AssignedWorker string }
				lbCall(t, "GET", base+"/api/sessions/"+name(i), nil, &s)
				if s.Status != "WORKING" || !ok(s.AssignedWorker) {
					return fmt.Errorf("%s: session %s is %s on %q", what, name(i), s.Status, s.AssignedWorker)
				}
				got[name(i)] = s.AssignedWorker
			}
			return nil
		})
		return got
	}
	perReplica := func(o map[string]string) map[string]int {
		c := map[string]int{}
		for _, r := range o {
			c[r]++
		}
		return c
	}
	own := owners("paired", func(string) bool { return true })
	if c := perReplica(own); len(c) != 3 || c[ids[0]] != 2 || c[ids[1]] != 2 || c[ids[2]] != 2 {
		t.Fatalf("sessions per replica %v, want 2 on each of %v", c, ids)
	}
	t.Logf("%d sessions paired through Caddy, 2 per replica: %v", n, own)

	// checkServed: three requests in a row for each session land on three
	// replicas; each is answered by the session's owner, proxied to it by the
	// others, and a text sent through any replica reaches the contact's phone.
	alice, err := srv.Phone("15550100002")
	if err != nil {
		t.Fatal(err)
	}
	checkServed := func(own map[string]string, round string) {
		t.Helper()
		for i := range n {
			for k := range 3 {
				var me struct{ ID string }
				code, by := lbCall(t, "GET", base+"/api/sessions/"+name(i)+"/me", nil, &me)
				if code != http.StatusOK || me.ID != phone(i)+"@c.us" || by != own[name(i)] {
					t.Fatalf("%s: request %d for %s (run by %s): %d %q, answered by %q", round, k, name(i), own[name(i)], code, me.ID, by)
				}
			}
			text := fmt.Sprintf("%s from %s", round, name(i))
			if code, by := lbCall(t, "POST", base+"/api/sendText", map[string]any{"session": name(i), "chatId": "15550100002@c.us", "text": text}, nil); code != http.StatusCreated || by != own[name(i)] {
				t.Fatalf("%s: sendText through %s: %d, answered by %q", round, name(i), code, by)
			}
			wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := alice.WaitFor(wctx, func(e simnet.Event) bool { return e.Type == "message" && e.Text == text })
			wcancel()
			if err != nil {
				t.Fatalf("%s: the contact never got %q: %v", round, text, err)
			}
		}
	}
	checkServed(own, "3 replicas")
	t.Log("every session answered by its owner through Caddy, whichever replica a request landed on; its texts reached the contact")

	// docker stop: SIGTERM, the replica hands its leases back as it shuts down.
	stopped := own[name(0)]
	start = time.Now()
	docker(t, "stop", containers[stopped])
	own = owners("after stopping "+stopped, func(r string) bool { return r != "" && r != stopped })
	t.Logf("docker stop %s (replica %s): its sessions WORKING elsewhere %s later: %v", containers[stopped], stopped, time.Since(start).Round(time.Second), own)
	waitFor(t, "2 replicas in /api/server/status", func() bool { return len(status().Replicas) == 2 })
	checkServed(own, "2 replicas")

	// docker kill: no goodbye; its leases run out (cluster.leaseTTL) first.
	killed := own[name(1)]
	start = time.Now()
	docker(t, "kill", containers[killed])
	own = owners("after killing "+killed, func(r string) bool { return r != "" && r != stopped && r != killed })
	t.Logf("docker kill %s (replica %s): its sessions WORKING on the last replica %s later", containers[killed], killed, time.Since(start).Round(time.Second))
	checkServed(own, "1 replica")

	docker(t, "start", containers[stopped], containers[killed])
	waitFor(t, "3 replicas again", func() bool { return slices.Equal(replicaIDs(status()), ids) })
	owners("after both came back", func(r string) bool { return slices.Contains(ids, r) })
	t.Logf("both containers started again: back as %v (their ids kept in their volumes)", slices.Sorted(maps.Keys(map[string]bool{stopped: true, killed: true})))

	// Every container recreated, PostgreSQL's too: the replicas cannot remove
	// their rows as they stop, and come back (new host names, same volumes and
	// ids) once those rows have run out, without a restart.
	start = time.Now()
	p.do("up", "-d", "--force-recreate", "--scale", "wagate=3", "--wait", "--wait-timeout", "300")
	waitFor(t, "the same 3 replicas after recreating", func() bool { return slices.Equal(replicaIDs(status()), ids) })
	owners("after recreating every container", func(r string) bool { return slices.Contains(ids, r) })
	for _, id := range strings.Fields(p.do("ps", "-q", "wagate")) {
		if n := docker(t, "inspect", "-f", "{{.RestartCount}}", id); n != "0" {
			t.Fatalf("container %s restarted %s times after recreating", id, n)
		}
	}
	t.Logf("docker compose up --force-recreate: the same replicas and every session WORKING %s later, no container restarted", time.Since(start).Round(time.Second))
}
