package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sessionLines is every log line that names session, of every run of every one
// of gws, for the failure message of a test on replicas: what happened to one
// session as it moved between them.
func sessionLines(gws []*gatewayProc, session string) string {
	var b strings.Builder
	for _, g := range gws {
		for _, p := range g.logPaths {
			f, err := os.Open(p)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				if strings.Contains(line, "session="+session+" ") || strings.HasSuffix(line, "session="+session) || strings.Contains(line, `"`+session+`"`) {
					fmt.Fprintf(&b, "%s/%s: %s\n", filepath.Base(g.dir), filepath.Base(p), line)
				}
			}
			f.Close()
		}
	}
	return b.String()
}
