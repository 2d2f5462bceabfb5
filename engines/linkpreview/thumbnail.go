package linkpreview

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // previews' pictures come as JPEG or PNG
)

// Sides of the pictures WhatsApp shows: an inline thumbnail, and the long side
// of a high-quality one.
const (
	InlineSide = 160
	HQSide     = 1024
)

// Thumbnail re-encodes a picture (JPEG or PNG) as a JPEG no larger than side
// × side, keeping its proportions, and returns its size.
func Thumbnail(picture []byte, side int) (jpg []byte, width, height int, err error) {
	img, _, err := image.Decode(bytes.NewReader(picture))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("preview picture: %w", err)
	}
	src := img.Bounds()
	dst := fit(src, side)
	out := image.NewRGBA(dst)
	for y := 0; y < dst.Dy(); y++ {
		for x := 0; x < dst.Dx(); x++ {
			out.Set(x, y, img.At(src.Min.X+x*src.Dx()/dst.Dx(), src.Min.Y+y*src.Dy()/dst.Dy()))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 80}); err != nil {
		return nil, 0, 0, fmt.Errorf("encode preview thumbnail: %w", err)
	}
	return buf.Bytes(), dst.Dx(), dst.Dy(), nil
}

// fit is r shrunk to fit side × side, keeping its proportions.
func fit(r image.Rectangle, side int) image.Rectangle {
	w, h := r.Dx(), r.Dy()
	if w <= side && h <= side || w == 0 || h == 0 {
		return image.Rect(0, 0, max(w, 1), max(h, 1))
	}
	if w >= h {
		return image.Rect(0, 0, side, max(1, h*side/w))
	}
	return image.Rect(0, 0, max(1, w*side/h), side)
}
