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
	// The centred square, on white (JPEG has no transparency), reduced by a box
	// filter to about twice the picture's side: scaling from there keeps the
	// quality and costs little, where a kernel over the whole photo costs
	// seconds.
	big := reduce(img, 2*Size)
	picImg := scale(big, Size)
	if pic, err = encode(picImg, 90); err != nil {
		return nil, nil, err
	}
	if thumb, err = encode(scale(picImg, ThumbnailSize), 80); err != nil {
		return nil, nil, err
	}
	return pic, thumb, nil
}

// reduce is the centred square of img on white, box-filtered by a whole
// factor down to no less than target pixels a side (unchanged when smaller).
func reduce(img image.Image, target int) *image.RGBA {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	origin := image.Pt(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2)
	sq := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.Draw(sq, sq.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(sq, sq.Bounds(), img, origin, draw.Over)
	k := side / target
	if k < 2 {
		return sq
	}
	n := side / k
	out := image.NewRGBA(image.Rect(0, 0, n, n))
	area := uint32(k * k)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var r, g, bl, a uint32
			for dy := 0; dy < k; dy++ {
				row := sq.Pix[(y*k+dy)*sq.Stride+x*k*4:]
				for dx := 0; dx < k; dx++ {
					p := row[dx*4 : dx*4+4 : dx*4+4]
					r += uint32(p[0])
					g += uint32(p[1])
					bl += uint32(p[2])
					a += uint32(p[3])
				}
			}
			o := out.Pix[y*out.Stride+x*4:]
			o[0], o[1], o[2], o[3] = uint8(r/area), uint8(g/area), uint8(bl/area), uint8(a/area)
		}
	}
	return out
}

// scale resizes a square image to size×size.
func scale(src *image.RGBA, size int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func encode(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		size := img.Bounds().Dx()
		return nil, fmt.Errorf("encode a %d×%d JPEG: %w", size, size, err)
	}
	return buf.Bytes(), nil
}
