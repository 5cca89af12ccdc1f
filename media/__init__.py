"""Photos: intake checks, EXIF, thumbnails and object storage."""
