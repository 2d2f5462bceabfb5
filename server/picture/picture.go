// Package picture prepares profile pictures as WhatsApp's clients upload them
// (WhatsApp Web crops and scales in a canvas; whatsmeow's callers must do it
// themselves): the centred square of the image, as a 640×640 JPEG, and its
// 96×96 thumbnail. Pure Go: JPEG, PNG, GIF and WebP in.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for the pictures clients send
	"image/jpeg"
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

const (
	// Size is the side of the picture WhatsApp keeps; ThumbnailSize its thumbnail's.
	Size          = 640
	ThumbnailSize = 96
	// MaxPixels bounds the decoded image (a small file can claim a huge canvas).
	MaxPixels = 50_000_000
)

// ErrNotImage: the bytes are not an image this package reads, or one too large.
var ErrNotImage = errors.New("not an image")

// Prepare decodes raw and returns the picture and its thumbnail as JPEGs.
// Errors wrap ErrNotImage and say why.
func Prepare(raw []byte) (pic, thumb []byte, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (JPEG, PNG, GIF or WebP): %w", ErrNotImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, nil, fmt.Errorf("%w: a %s of %d×%d pixels is too large (at most %d pixels)", ErrNotImage, format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: broken %s image: %w", ErrNotImage, format, err)
	}
	if pic, err = square(img, Size, 90); err != nil {
		return nil, nil, err
	}
	if thumb, err = square(img, ThumbnailSize, 80); err != nil {
		return nil, nil, err
	}
	return pic, thumb, nil
}

// square scales the centred square of img to size×size on white (JPEG has no
// transparency) and encodes it.
func square(img image.Image, size, quality int) ([]byte, error) {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	min := image.Pt(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2)
	src := image.Rectangle{Min: min, Max: min.Add(image.Pt(side, side))}
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode a %d×%d JPEG: %w", size, size, err)
	}
	return buf.Bytes(), nil
}
