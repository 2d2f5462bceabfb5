package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wagate/wagate/internal/wait"
)

// BenchmarkFailover is how long a SIGKILLed replica's sessions take to run on
// the others, over many kills. TestReplicas' cluster (three gateway processes
// on one PostgreSQL and one external simnet, WAGATE_BENCH_FAILOVER_SESSIONS
// NOWEB sessions, default 30, a third on each) has its replicas SIGKILLed in
// turn, WAGATE_BENCH_FAILOVER_KILLS times (default 20) an iteration. Each kill
// is timed until every session of the killed replica is WORKING on another, as
// GET /api/sessions on a live replica lists it, with its device logged in to
// simnet again; and until a message the contact sent each of them just after
// the kill is stored. The killed replica is then started again and sessions are
// moved back onto it, so that every kill takes a third of them. It reports the
// minimum, p50, p90 and maximum of both, and logs every kill's figures.
//
//	go test ./cmd/wagate -run '^$' -bench Failover -benchtime 1x -timeout 60m
func BenchmarkFailover(b *testing.B) {
	n := envCount(b, "WAGATE_BENCH_FAILOVER_SESSIONS", replicaSessions, 3)
	kills := envCount(b, "WAGATE_BENCH_FAILOVER_KILLS", 20, 1)
	bin := buildWagate(b)
	ctx, cancel := context.WithTimeout(b.Context(), 55*time.Minute)
	defer cancel()
	c := startReplicaCluster(b, ctx, bin, n)
	sent := map[string][]string{} // session → the texts the contact sent it
	var up, listed, stored, back []time.Duration
	b.ResetTimer()
	for range b.N {
		for k := range kills {
			victim := k % 3
			// Kill at a random point of the lease rounds (every 3 s): a
			// rebalance ends on a round, so without this every kill would come
			// at the same point of the renewals and sample one failover time.
			sleepCtx(b, ctx, rand.N(3*time.Second), "a random point to kill at")
			f := c.timeFailover(b, ctx, victim, len(up)+1, sent)
			up, listed, stored = append(up, f.up), append(listed, f.listed), append(stored, f.stored)
			start := time.Now()
			c.restartAndRebalance(b, ctx, victim)
			back = append(back, time.Since(start))
		}
	}
	b.StopTimer()
	// One line each: the testing package keeps a benchmark's first 10 lines only.
	b.Logf("kills: %d, gw0, gw1, gw2 in turn, each with %d sessions; seconds, kill by kill:", len(up), n/3)
	b.Logf("WORKING elsewhere, device logged in again: %s", secsList(up))
	b.Logf("listed WORKING elsewhere by the API:       %s", secsList(listed))
	b.Logf("message sent after the kill stored:        %s", secsList(stored))
	b.Logf("restarted and rebalanced (after the above): %s", secsList(back))
	reportSpread(b, "failover", up)
	reportSpread(b, "stored", stored)
	b.ReportMetric(0, "ns/op") // the whole series, which says nothing

	// Nothing was lost, stored twice or run twice at once along the way.
	checkStored(b, ctx, c.gws[0], replicaContact, sent)
	for _, s := range c.names {
		if d := simnetDevice(b, ctx, c.sn, c.phones[s]); d.Replaced != 0 {
			b.Errorf("device of %s (%s) was connected twice at once %d times", s, d.Device, d.Replaced)
		}
	}
}

// failover is how long one kill's sessions took to run elsewhere.
type failover struct {
	// listed: until a live replica listed them all WORKING on another; up: until,
	// besides, every one's device had logged in to simnet again. A dead
	// replica's last status stays in the store until the new owner saves its
	// own, so listed alone may come before the new owner ran them.
	listed, up time.Duration
	stored     time.Duration // until the message sent to each after the kill was stored
}

// timeFailover SIGKILLs replica victim and times its sessions' failover; the
// contact sends each of them a message, recorded in sent, as soon as it is dead.
func (c *replicaCluster) timeFailover(t testing.TB, ctx context.Context, victim, kill int, sent map[string][]string) failover {
	t.Helper()
	id := fmt.Sprintf("gw%d", victim)
	var moved []string
	for _, s := range c.names {
		if c.owners[s] == id {
			moved = append(moved, s)
		}
	}
	if len(moved) == 0 {
		t.Fatalf("%s runs no session to fail over: %v", id, c.owners)
	}
	logins := c.logins(t, ctx, moved)
	c.gws[victim].kill()
	killed := time.Now()
	texts := map[string]string{}
	for _, s := range moved {
		text := fmt.Sprintf("failover %d to %s", kill, s)
		var res struct{ ID string }
		if code := post(t, ctx, c.sn.api+"/accounts/"+replicaContact+"/messages", "", map[string]string{"to": c.phones[s], "text": text}, &res); code != http.StatusOK {
			t.Fatalf("contact's message to %s: %d", s, code)
		}
		texts[s] = text
		sent[s] = append(sent[s], text)
	}
	// Three lease TTLs and more: a failover that slow is broken, not slow.
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	r := c.await(t, wctx, c.gws[(victim+1)%3], moved, func(_, o string) bool { return o != id }, logins, texts)
	maps.Copy(c.owners, r.owners)
	return failover{listed: r.listed.Sub(killed), up: r.up.Sub(killed), stored: r.stored.Sub(killed)}
}

// restartAndRebalance starts replica victim again, waits until the others see it
// live, and moves sessions onto it until every replica runs a third of them.
func (c *replicaCluster) restartAndRebalance(t testing.TB, ctx context.Context, victim int) {
	t.Helper()
	via := c.gws[(victim+1)%3]
	c.gws[victim].start(ctx)
	waitReplicas(t, ctx, via, 3)
	per := map[string]int{}
	for _, o := range c.owners {
		per[o]++
	}
	want := len(c.names) / len(c.gws)
	to := map[string]string{}
	var moves []string
	for _, s := range c.names {
		from := c.owners[s]
		if per[from] <= want {
			continue
		}
		for i := range c.gws {
			if id := fmt.Sprintf("gw%d", i); per[id] < want {
				per[from]--
				per[id]++
				to[s] = id
				moves = append(moves, s)
				break
			}
		}
	}
	logins := c.logins(t, ctx, moves)
	for _, s := range moves {
		// 409 while the lease is still changing hands; 422 until the target's
		// first renewal is seen.
		if err := wait.PollContext(ctx, func() error {
			if code := post(t, ctx, via.base()+"/api/sessions/"+s+"/move", via.key, map[string]string{"replica": to[s]}, nil); code != http.StatusCreated {
				return fmt.Errorf("move %s from %s to %s: HTTP %d", s, c.owners[s], to[s], code)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	r := c.await(t, wctx, via, moves, func(s, o string) bool { return o == to[s] }, logins, nil)
	maps.Copy(c.owners, r.owners)
}

// logins is how often each session's device has logged in to simnet.
func (c *replicaCluster) logins(t testing.TB, ctx context.Context, sessions []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, s := range sessions {
		out[s] = simnetDevice(t, ctx, c.sn, c.phones[s]).Logins
	}
	return out
}

// awaited is when what await waited for happened, and where the sessions run.
type awaited struct {
	listed, up, stored time.Time
	owners             map[string]string
}

// await polls until gw lists every one of sessions WORKING on a replica ok
// accepts, with its device connected to simnet and logged in since logins were
// counted, and until each session's text in texts (if any) is stored in its
// chat with the contact. Each time is that of the poll that saw it, so they are
// late by a poll at most (tens of milliseconds).
func (c *replicaCluster) await(t testing.TB, ctx context.Context, gw *gatewayProc, sessions []string, ok func(session, replica string) bool, logins map[string]int, texts map[string]string) awaited {
	t.Helper()
	var r awaited
	in := map[string]bool{}     // device logged in again
	stored := map[string]bool{} // text stored
	for {
		list, working := workingOn(t, ctx, gw, ok)
		listed := time.Now()
		var notWorking, notIn, notStored []string
		for _, s := range sessions {
			if _, w := working[s]; !w {
				notWorking = append(notWorking, s)
				continue
			}
			if !in[s] {
				d := simnetDevice(t, ctx, c.sn, c.phones[s])
				in[s] = d.Connected && d.Logins > logins[s]
			}
			if !in[s] {
				notIn = append(notIn, s)
			}
		}
		checked := time.Now()
		if len(notWorking) == 0 && r.listed.IsZero() {
			r.listed = listed
		}
		if len(notWorking) == 0 && len(notIn) == 0 && r.up.IsZero() {
			r.up, r.owners = checked, working
		}
		for _, s := range sessions {
			if texts[s] == "" || stored[s] || !in[s] {
				continue
			}
			var msgs []struct{ Body string }
			if get(t, ctx, gw.base()+"/api/"+s+"/chats/"+replicaContact+"@c.us/messages?limit=1000", gw.key, &msgs) == http.StatusOK &&
				slices.ContainsFunc(msgs, func(m struct{ Body string }) bool { return m.Body == texts[s] }) {
				stored[s] = true
				r.stored = time.Now()
			}
			if !stored[s] {
				notStored = append(notStored, s)
			}
		}
		if !r.up.IsZero() && len(stored) == len(texts) {
			if r.stored.IsZero() {
				r.stored = r.up // no texts
			}
			return r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%v: not WORKING where expected %v, device not logged in again %v, text not stored %v; the list: %v\n%s",
				ctx.Err(), notWorking, notIn, notStored, list, gw.tail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// reportSpread reports the minimum, p50, p90 and maximum of ds in seconds.
func reportSpread(b *testing.B, what string, ds []time.Duration) {
	sorted := slices.Sorted(slices.Values(ds))
	// Nearest rank: the smallest value at least q of them do not exceed.
	rank := func(q float64) time.Duration { return sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)] }
	b.ReportMetric(sorted[0].Seconds(), what+"-min-s")
	b.ReportMetric(rank(0.5).Seconds(), what+"-p50-s")
	b.ReportMetric(rank(0.9).Seconds(), what+"-p90-s")
	b.ReportMetric(sorted[len(sorted)-1].Seconds(), what+"-max-s")
}

func secsList(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(out, " ")
}
