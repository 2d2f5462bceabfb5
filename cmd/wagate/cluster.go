package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/sessions"
	"github.com/wagate/wagate/store"
)

// replicaIDFile keeps a generated replica id in the data dir, so a restarted
// replica is the same one (a WEBJS session pinned to it comes back to it).
const replicaIDFile = "replica-id"

// clusterOptions are the session leases of a gateway on PostgreSQL, which other
// replicas may share; nil on SQLite, which one process owns.
func clusterOptions(ctx context.Context, cfg configs.Config, st *store.Store, port int, log *slog.Logger) (*sessions.ClusterOptions, error) {
	if st.Dialect() != store.Postgres {
		return nil, nil
	}
	id, err := replicaID(cfg)
	if err != nil {
		return nil, err
	}
	addr := cfg.Cluster.AdvertiseURL
	if addr == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		addr = "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	}
	addr = strings.TrimRight(addr, "/")
	if err := waitOutReplicaID(ctx, st, id, addr, time.Now, sleepFor, log); err != nil {
		return nil, err
	}
	if cfg.Server.APIKey == "" {
		log.Warn("replicas on one PostgreSQL proxy requests to each other: give them all the same API key (server.apiKey, WAHA_API_KEY); this one uses the key of its data dir")
	}
	profiles, _ := filepath.Abs(filepath.Join(cfg.Data.Dir, "webjs"))
	return &sessions.ClusterOptions{
		Leases:     st,
		Replica:    sessions.Replica{ID: id, Address: addr, Max: cfg.Sessions.Max},
		TTL:        cfg.Cluster.LeaseTTL,
		RenewEvery: cfg.Cluster.RenewEvery,
		Pin: func(n engines.Name) (string, bool) {
			if n != engines.WEBJS {
				return "", false
			}
			return "its Chromium profile, which holds the pairing, is on this replica's disk (" + profiles + ")", true
		},
	}, nil
}

// replicaLister is the store's replicas table, as waitOutReplicaID reads it.
type replicaLister interface {
	ListReplicas(ctx context.Context, now time.Time) ([]sessions.Replica, error)
}

// waitOutReplicaID returns once no live replica but this one's address has id.
// Two live processes under one id would both believe they hold its leases; but
// the row may be this replica's own, from a run that could not remove it at
// shutdown (killed, or its database down then: a compose project recreated
// database and all), at its old address (a recreated container has a new host
// name). A replica that is gone stops renewing its row, so it is waited out (a
// lease TTL at most); one that is renewed meanwhile is another live process.
func waitOutReplicaID(ctx context.Context, st replicaLister, id, addr string, now func() time.Time, sleep func(context.Context, time.Duration) error, log *slog.Logger) error {
	var seen time.Time // the row's expiry when first seen
	for {
		reps, err := st.ListReplicas(ctx, now())
		if err != nil {
			return err
		}
		i := slices.IndexFunc(reps, func(r sessions.Replica) bool { return r.ID == id && r.Address != addr })
		if i < 0 {
			return nil
		}
		other := reps[i]
		switch {
		case seen.IsZero():
			seen = other.ExpiresAt
			log.Warn("replica id held by a replica at another address; waiting to see whether it renews its lease (a replica that is gone does not)",
				"replica", id, "address", other.Address, "expires_in", other.ExpiresAt.Sub(now()).Round(time.Millisecond))
		case other.ExpiresAt.After(seen):
			return fmt.Errorf("replica id %q is in use by a live replica at %s: give every replica its own data dir, or set cluster.replicaId (WAGATE_CLUSTER_REPLICA_ID)", id, other.Address)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return fmt.Errorf("wait for the replica at %s to renew or drop replica id %q: %w", other.Address, id, err)
		}
	}
}

func sleepFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// replicaID is cluster.replicaId, or the id kept in the data dir, made at first
// start from the host name.
func replicaID(cfg configs.Config) (string, error) {
	if cfg.Cluster.ReplicaID != "" {
		return cfg.Cluster.ReplicaID, nil
	}
	path := filepath.Join(cfg.Data.Dir, replicaIDFile)
	raw, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(raw)) != "" {
		return strings.TrimSpace(string(raw)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read replica id: %w", err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "wagate"
	}
	b := make([]byte, 3)
	rand.Read(b)
	id := host + "-" + hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep replica id: %w", err)
	}
	return id, nil
}
