package webjs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MemoryUsage is the memory of a process tree, in bytes. PSS shares pages
// fairly between processes; RSS double-counts shared pages, so for
// Chromium's many processes PSS is the honest figure.
type MemoryUsage struct {
	PSS       int64
	RSS       int64
	PeakRSS   int64 // sum of each live process's high-water mark (VmHWM): an upper bound of the peak
	Processes int
}

// processTreeMemory sums smaps_rollup of root and all its descendants
// (Linux only).
func processTreeMemory(root int) (MemoryUsage, error) {
	children := map[int][]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return MemoryUsage{}, fmt.Errorf("webjs: reading /proc: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentPID(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var mu MemoryUsage
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		pss, rss, ok := smapsRollup(pid)
		if !ok {
			continue // exited meanwhile
		}
		mu.PSS += pss
		mu.RSS += rss
		// The peak is read a moment after the RSS, from another file whose
		// accounting differs a little: never let it come out below the RSS.
		mu.PeakRSS += max(peakRSS(pid), rss)
		mu.Processes++
	}
	if mu.Processes == 0 {
		return mu, fmt.Errorf("webjs: process %d not found", root)
	}
	return mu, nil
}

func parentPID(pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

func smapsRollup(pid int) (pss, rss int64, ok bool) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "Pss:"):
			dst = &pss
		case strings.HasPrefix(line, "Rss:"):
			dst = &rss
		default:
			continue
		}
		fields := strings.Fields(line)
		if len(fields) >= 2 {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
				*dst = kb * 1024
			}
		}
	}
	return pss, rss, true
}

// peakRSS reads VmHWM (the process's peak resident set) from /proc/pid/status.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}
