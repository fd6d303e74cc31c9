// Package photo makes an uploaded photo safe to keep: the photos consumers
// take of damaged parcels (拍照上报) for a claim.
//
// Process accepts JPEG, PNG and WebP, recognised by their first bytes and
// never by a file name or a declared content type, of at most MaxBytes. It
// reads the image's dimensions before decoding it and refuses more than
// MaxPixels, so a small file that declares a huge image (a decompression
// bomb) is refused without the image ever being allocated. It turns a JPEG
// upright by its EXIF Orientation, scales the photo so that its long side is
// at most MaxSide pixels (never up), flattens any transparency onto white and
// encodes it afresh as JPEG. Nothing of the input but its pixels survives:
// no EXIF (phone photos carry GPS positions), no XMP, ICC, comments or PNG
// text chunks.
//
// Anything else is a trail.Error whose message, Chinese first, a consumer
// can read: ETOOLARGE for too many bytes or pixels, EINVALID for an empty
// file, another format or a damaged image.
//
// A decode holds the whole image in memory: up to about 4 bytes a pixel
// (8 for a 16-bit PNG) of MaxPixels, so callers bound how many photos are
// processed at once.
package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/bottletrail/bottletrail/internal/trail"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

const (
	// MaxBytes is the largest photo accepted, before processing.
	MaxBytes = 10 << 20
	// MaxPixels is the most pixels a photo may have (width × height). It
	// admits the 48-megapixel photos of current phones.
	MaxPixels = 50_000_000
	// MaxSide is the longest side of a processed photo, in pixels.
	MaxSide = 2048
	// Quality is the JPEG quality of a processed photo.
	Quality = 85
	// ContentType is the media type of every processed photo.
	ContentType = "image/jpeg"
)

// Photo is a processed photo: a fresh JPEG encoding carrying no metadata.
type Photo struct {
	Data        []byte
	Width       int
	Height      int
	ContentType string
}

// field is the input the errors of Process name.
const field = "photo"

var (
	errTooLarge = &trail.Error{Code: trail.ETOOLARGE, Field: field,
		Message: "照片不能超过 10 MB / a photo may be at most 10 MB"}
	errTooManyPixels = &trail.Error{Code: trail.ETOOLARGE, Field: field,
		Message: "照片像素过多，最多 5000 万像素 / a photo may have at most 50 megapixels"}
	errEmpty = &trail.Error{Code: trail.EINVALID, Field: field,
		Message: "照片是空文件 / the photo is an empty file"}
	errFormat = &trail.Error{Code: trail.EINVALID, Field: field,
		Message: "仅支持 JPEG、PNG 或 WebP 格式的照片 / only JPEG, PNG or WebP photos are accepted"}
	errDamaged = &trail.Error{Code: trail.EINVALID, Field: field,
		Message: "照片已损坏或不完整，无法读取 / the photo is damaged or incomplete and cannot be read"}
)

// format is an accepted input format, told by its first bytes.
type format struct {
	decode       func(io.Reader) (image.Image, error)
	decodeConfig func(io.Reader) (image.Config, error)
	jpeg         bool
}

var (
	formatJPEG = &format{decode: jpeg.Decode, decodeConfig: jpeg.DecodeConfig, jpeg: true}
	formatPNG  = &format{decode: png.Decode, decodeConfig: png.DecodeConfig}
	formatWebP = &format{decode: webp.Decode, decodeConfig: webp.DecodeConfig}
)

// sniff returns the format data's first bytes announce, nil for any other.
func sniff(data []byte) *format {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG
	case bytes.HasPrefix(data, []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}):
		return formatPNG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return formatWebP
	}
	return nil
}

// Process reads a photo from r and returns it upright, scaled to at most
// MaxSide, re-encoded as JPEG without any metadata. It reads at most
// MaxBytes+1 bytes of r. Errors are described in the package comment; an
// error reading r is returned wrapped.
func Process(r io.Reader) (*Photo, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read photo: %w", err)
	}
	switch {
	case len(data) > MaxBytes:
		return nil, errTooLarge
	case len(data) == 0:
		return nil, errEmpty
	}
	f := sniff(data)
	if f == nil {
		return nil, errFormat
	}
	cfg, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errDamaged
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, errTooManyPixels
	}
	src, err := f.decode(bytes.NewReader(data))
	if err != nil {
		return nil, errDamaged
	}
	if b := src.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, errDamaged
	}
	m := scale(src)
	if f.jpeg {
		m = orient(m, orientation(data))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: Quality}); err != nil {
		return nil, fmt.Errorf("encode photo: %w", err)
	}
	b := m.Bounds()
	return &Photo{Data: buf.Bytes(), Width: b.Dx(), Height: b.Dy(), ContentType: ContentType}, nil
}

// scale returns src on a white background, scaled so that its long side is
// at most MaxSide.
func scale(src image.Image) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	if long := max(w, h); long > MaxSide {
		w = max(1, int((int64(w)*MaxSide+int64(long)/2)/int64(long)))
		h = max(1, int((int64(h)*MaxSide+int64(long)/2)/int64(long)))
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	}
	return dst
}

// orient returns m turned as EXIF orientation o (1 to 8) asks for display.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch o {
			case 2: // mirrored left to right
				sx, sy = w-1-x, y
			case 3: // turned 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored top to bottom
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // shown turned 90° clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // shown turned 90° counter-clockwise
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, m.RGBAAt(sx, sy))
		}
	}
	return dst
}
