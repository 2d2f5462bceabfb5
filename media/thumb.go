package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"

	_ "image/gif" // decoders for ImageThumbnail
	_ "image/png"
)

// maxDecodePixels bounds the images decoded in Go (4 bytes a pixel): a larger
// picture is thumbnailed by ffmpeg, or not at all.
const maxDecodePixels = 16 << 20

// ErrTooManyPixels is an image too large to decode in memory.
var ErrTooManyPixels = errors.New("image too large to thumbnail in memory")

// ImageSize reads an image's width and height from its header.
func ImageSize(path string) (w, h int, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer fh.Close()
	cfg, _, err := image.DecodeConfig(fh)
	if err != nil {
		return 0, 0, fmt.Errorf("read image size: %w", err)
	}
	return cfg.Width, cfg.Height, nil
}

// ImageThumbnail is a small JPEG of a JPEG, PNG or GIF image, at most thumbSide
// pixels a side, as WhatsApp shows before the image is downloaded.
func ImageThumbnail(path string) ([]byte, error) {
	w, h, err := ImageSize(path)
	if err != nil {
		return nil, err
	}
	if int64(w)*int64(h) > maxDecodePixels {
		return nil, ErrTooManyPixels
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, _, err := image.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	return thumbnailJPEG(img)
}

// thumbnailJPEG scales img down (an average of the pixels each thumbnail pixel
// covers) and encodes it.
func thumbnailJPEG(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil, errors.New("empty image")
	}
	tw, th := w, h
	if w > thumbSide || h > thumbSide {
		if w >= h {
			tw, th = thumbSide, max(1, h*thumbSide/w)
		} else {
			tw, th = max(1, w*thumbSide/h), thumbSide
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			var r, g, bl, a, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			// JPEG has no alpha: transparent pixels over white, as chats show them.
			av := a / n
			over := func(c uint64) uint8 { return uint8((c/n + (0xffff - av)) >> 8) }
			out.Set(x, y, color.RGBA{R: over(r), G: over(g), B: over(bl), A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 60}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}
