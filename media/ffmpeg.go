package media

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// MissingToolError is a conversion that needs a program this machine lacks; the
// API answers 422 naming it.
type MissingToolError struct {
	Tool string
}

func (e *MissingToolError) Error() string {
	return fmt.Sprintf("%s is not installed on the gateway's machine: converting media needs it (Debian: apt-get install ffmpeg)", e.Tool)
}

// ConvertError is input ffmpeg could not convert (not audio, not video, broken);
// the API answers 422 with ffmpeg's last words.
type ConvertError struct {
	What   string
	Detail string
}

func (e *ConvertError) Error() string {
	return fmt.Sprintf("cannot convert the file to %s: %s", e.What, e.Detail)
}

// Voice and video as WhatsApp plays them.
const (
	VoiceMimetype = "audio/ogg; codecs=opus"
	VideoMimetype = "video/mp4"
)

// tool finds a program at the moment it is needed, so installing ffmpeg needs no
// restart of the gateway.
func tool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", &MissingToolError{Tool: name}
	}
	return p, nil
}

// HaveFFmpeg reports whether ffmpeg is installed.
func HaveFFmpeg() bool {
	_, err := tool("ffmpeg")
	return err == nil
}

// run runs a tool and returns its stderr's last line on failure.
func run(ctx context.Context, name string, args ...string) error {
	bin, err := tool(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.New(stderr.last(err))
	}
	return nil
}

// tailBuffer keeps the last 4 KiB of a tool's stderr.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) last(err error) string {
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}

// convert runs ffmpeg from in into a new spooled file.
func (f *Files) convert(ctx context.Context, in *File, what, mimetype, filename string, args ...string) (*File, error) {
	if _, err := tool("ffmpeg"); err != nil {
		return nil, err
	}
	s, err := f.NewSpool()
	if err != nil {
		return nil, err
	}
	out := s.f.Name()
	_ = s.f.Close()
	argv := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", in.Path}, args...)
	argv = append(argv, out)
	if err := run(ctx, "ffmpeg", argv...); err != nil {
		_ = os.Remove(out)
		var mt *MissingToolError
		if errors.As(err, &mt) || ctx.Err() != nil {
			return nil, err
		}
		// ffmpeg names its input by path: ours is the gateway's business.
		return nil, &ConvertError{What: what, Detail: strings.ReplaceAll(err.Error(), in.Path, "the file")}
	}
	st, err := os.Stat(out)
	if err != nil {
		_ = os.Remove(out)
		return nil, fmt.Errorf("convert to %s: %w", what, err)
	}
	if st.Size() > f.o.MaxBytes {
		_ = os.Remove(out)
		return nil, &TooLargeError{Limit: f.o.MaxBytes}
	}
	return &File{Path: out, Size: st.Size(), Mimetype: mimetype, Filename: filename}, nil
}

// ConvertVoice makes a voice note of any audio (or a video's sound): mono
// Ogg/Opus at 48 kHz, what WhatsApp records.
func (f *Files) ConvertVoice(ctx context.Context, in *File) (*File, error) {
	return f.convert(ctx, in, "an Ogg/Opus voice note", VoiceMimetype, swapExt(in.Filename, "ogg"),
		"-vn", "-map_metadata", "-1", "-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k",
		"-vbr", "on", "-application", "voip", "-f", "ogg")
}

// ConvertVideo makes an MP4 WhatsApp plays everywhere: H.264 (yuv420p, even
// dimensions) and AAC, its index up front so playback starts while it loads.
func (f *Files) ConvertVideo(ctx context.Context, in *File) (*File, error) {
	return f.convert(ctx, in, "an H.264/AAC MP4 video", VideoMimetype, swapExt(in.Filename, "mp4"),
		"-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1",
		"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
		"-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
		"-movflags", "+faststart", "-f", "mp4")
}

func swapExt(name, ext string) string {
	if name == "" {
		return ""
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name + "." + ext
}

// Probe is what ffprobe says of a file.
type Probe struct {
	Seconds       float64
	Width, Height int
	Video, Audio  bool
}

// ProbeFile asks ffprobe for a file's length, picture size and streams.
func ProbeFile(ctx context.Context, path string) (Probe, error) {
	bin, err := tool("ffprobe")
	if err != nil {
		return Probe{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height,duration",
		"-of", "json", path)
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Probe{}, fmt.Errorf("ffprobe: %s", stderr.last(err))
	}
	var r struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			Type     string `json:"codec_type"`
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			Duration string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return Probe{}, fmt.Errorf("ffprobe: decode its answer: %w", err)
	}
	p := Probe{}
	p.Seconds, _ = strconv.ParseFloat(r.Format.Duration, 64)
	for _, s := range r.Streams {
		switch s.Type {
		case "video":
			if !p.Video {
				p.Video, p.Width, p.Height = true, s.Width, s.Height
			}
		case "audio":
			p.Audio = true
		}
		if d, err := strconv.ParseFloat(s.Duration, 64); err == nil && p.Seconds == 0 {
			p.Seconds = d
		}
	}
	return p, nil
}

// thumbSide bounds a thumbnail's longer side, in pixels.
const thumbSide = 96

// FrameThumbnail is a small JPEG of a video's first frame (or an image ffmpeg
// reads and Go does not), at most thumbSide pixels a side.
func FrameThumbnail(ctx context.Context, path string) ([]byte, error) {
	bin, err := tool("ffmpeg")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path,
		"-frames:v", "1", "-vf", fmt.Sprintf("scale=w=%d:h=%d:force_original_aspect_ratio=decrease", thumbSide, thumbSide),
		"-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "8", "pipe:1")
	var stderr tailBuffer
	cmd.Stderr = &stderr
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, max: 1 << 20}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffmpeg thumbnail: %s", stderr.last(err))
	}
	if out.Len() == 0 {
		return nil, errors.New("ffmpeg thumbnail: no frame")
	}
	return out.Bytes(), nil
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.b.Len()+len(p) > l.max {
		return 0, errors.New("output too large")
	}
	return l.b.Write(p)
}

// waveRate is the sample rate waveforms are measured at.
const waveRate = 8000

// Waveform measures a voice note as WhatsApp draws it: 64 bars of its mean
// loudness, scaled so the loudest is 100, and its length in seconds. The sound
// streams through in a fixed amount of memory whatever its length.
func Waveform(ctx context.Context, path string) (wave []byte, seconds float64, err error) {
	bin, err := tool("ffmpeg")
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path,
		"-vn", "-ac", "1", "-ar", strconv.Itoa(waveRate), "-f", "s16le", "pipe:1")
	var stderr tailBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, fmt.Errorf("waveform: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("waveform: %w", err)
	}
	var m waveMeter
	m.bucket = waveRate / 100 // 10 ms
	rd := bufio.NewReaderSize(stdout, 32<<10)
	var sample [2]byte
	for {
		if _, err := io.ReadFull(rd, sample[:]); err != nil {
			break
		}
		m.add(math.Abs(float64(int16(binary.LittleEndian.Uint16(sample[:])))))
	}
	if err := cmd.Wait(); err != nil {
		return nil, 0, fmt.Errorf("waveform: %s", stderr.last(err))
	}
	if m.samples == 0 {
		return nil, 0, errors.New("waveform: no sound in the file")
	}
	return m.bars(64), float64(m.samples) / waveRate, nil
}

// waveMeter sums loudness into buckets of a growing size: when there are too
// many, neighbours merge, so memory stays bounded.
type waveMeter struct {
	sums    []float64 // per full bucket: mean loudness
	cur     float64
	n       int
	bucket  int
	samples int64
}

const maxWaveBuckets = 1 << 14

func (m *waveMeter) add(v float64) {
	m.samples++
	m.cur += v
	m.n++
	if m.n < m.bucket {
		return
	}
	m.sums = append(m.sums, m.cur/float64(m.n))
	m.cur, m.n = 0, 0
	if len(m.sums) == maxWaveBuckets {
		for i := range maxWaveBuckets / 2 {
			m.sums[i] = (m.sums[2*i] + m.sums[2*i+1]) / 2
		}
		m.sums = m.sums[:maxWaveBuckets/2]
		m.bucket *= 2
	}
}

// bars averages the buckets into n bars, 0-100 with the loudest at 100.
func (m *waveMeter) bars(n int) []byte {
	sums := m.sums
	if m.n > 0 {
		sums = append(sums, m.cur/float64(m.n))
	}
	vals := make([]float64, n)
	for i := range n {
		lo, hi := i*len(sums)/n, (i+1)*len(sums)/n
		if hi <= lo {
			hi = min(lo+1, len(sums))
		}
		if lo >= len(sums) {
			continue
		}
		var s float64
		for _, v := range sums[lo:hi] {
			s += v
		}
		vals[i] = s / float64(hi-lo)
	}
	peak := 0.0
	for _, v := range vals {
		peak = max(peak, v)
	}
	out := make([]byte, n)
	if peak == 0 {
		return out
	}
	for i, v := range vals {
		out[i] = byte(math.Floor(100 * v / peak))
	}
	return out
}
