package picture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestPrepare(t *testing.T) {
	// A wide image: red left third, blue middle, green right third. The centred
	// square is the middle, so the picture is blue throughout.
	src := image.NewRGBA(image.Rect(0, 0, 900, 300))
	for x := 0; x < 900; x++ {
		c := color.RGBA{255, 0, 0, 255}
		if x >= 300 && x < 600 {
			c = color.RGBA{0, 0, 255, 255}
		} else if x >= 600 {
			c = color.RGBA{0, 255, 0, 255}
		}
		for y := 0; y < 300; y++ {
			src.Set(x, y, c)
		}
	}
	var in bytes.Buffer
	if err := png.Encode(&in, src); err != nil {
		t.Fatal(err)
	}
	pic, thumb, err := Prepare(in.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data []byte
		size int
	}{{pic, Size}, {thumb, ThumbnailSize}} {
		img, err := jpeg.Decode(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("not a JPEG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != c.size || b.Dy() != c.size {
			t.Fatalf("size %v, want %d×%d", b, c.size, c.size)
		}
		for _, p := range []image.Point{{2, 2}, {c.size / 2, c.size / 2}, {c.size - 3, c.size - 3}} {
			r, g, b, _ := img.At(p.X, p.Y).RGBA()
			if b>>8 < 200 || r>>8 > 60 || g>>8 > 60 {
				t.Errorf("%d px picture at %v = (%d,%d,%d), want the blue middle", c.size, p, r>>8, g>>8, b>>8)
			}
		}
	}
}

func TestPrepareRefusesWhatIsNotAnImage(t *testing.T) {
	for name, raw := range map[string][]byte{
		"text":      []byte("hello, not a picture"),
		"empty":     nil,
		"truncated": {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0},
	} {
		if _, _, err := Prepare(raw); !errors.Is(err, ErrNotImage) {
			t.Errorf("%s: err = %v, want ErrNotImage", name, err)
		}
	}
}

// BenchmarkPrepare: a 12-megapixel photo (as phones take them) to the picture
// and thumbnail.
func BenchmarkPrepare(b *testing.B) {
	src := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	var in bytes.Buffer
	if err := jpeg.Encode(&in, src, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Prepare(in.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
