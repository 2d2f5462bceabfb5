package main

import (
	"log/slog"
	"time"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/media"
)

// mediaFiles is the gateway's media directory, as media.* configures it.
func mediaFiles(cfg configs.Config, log *slog.Logger) (*media.Files, error) {
	return media.NewFiles(media.Options{
		Dir: cfg.MediaDir(), BaseURL: cfg.PublicURL(), MaxBytes: int64(cfg.Media.MaxBytes),
		Download: cfg.Media.Download, Mimetypes: cfg.Media.Mimetypes,
		Lifetime: time.Duration(cfg.Media.LifetimeSeconds) * time.Second, Log: log.With("component", "media"),
	})
}
