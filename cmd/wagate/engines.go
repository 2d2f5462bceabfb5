package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/noweb"
	"github.com/wagate/wagate/store"
)

// engineFactories are the engines this build runs. An engine missing here leaves its
// sessions FAILED with a reason that says so.
func engineFactories(ctx context.Context, cfg configs.Config, st *store.Store, log *slog.Logger) (map[engines.Name]engines.Factory, error) {
	nw, err := noweb.NewFactory(ctx, noweb.Options{
		DB: st.SQL(), Dialect: string(st.Dialect()), Log: log.With("engine", engines.NOWEB),
		PrintQR: cfg.Engines.NOWEB.PrintQR, StoreEnabled: cfg.Engines.NOWEB.StoreEnabled,
	})
	if err != nil {
		return nil, fmt.Errorf("start NOWEB engine: %w", err)
	}
	return map[engines.Name]engines.Factory{engines.NOWEB: nw}, nil
}
