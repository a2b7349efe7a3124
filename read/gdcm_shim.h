/* C interface to GDCM's image decoding, used by gdcm.go. Kept minimal. */
#ifndef RASCORE_GDCM_SHIM_H
#define RASCORE_GDCM_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	unsigned int rows, columns, frames;
	unsigned int samples_per_pixel, bits_allocated, bits_stored, high_bit;
	unsigned int pixel_representation, planar_configuration;
	char photometric[32];
} rascore_gdcm_info;

/* Decodes the pixel data of a DICOM file held in memory. On success returns 0, stores a
   malloc'd buffer of stored sample values (little endian, as GDCM lays them out) in *out and
   its length in *out_len; the caller frees it with rascore_gdcm_free. On failure returns
   non-zero and writes a message into err. */
int rascore_gdcm_decode(const char *data, size_t len, unsigned char **out, size_t *out_len,
                        rascore_gdcm_info *info, char *err, size_t err_len);

void rascore_gdcm_free(unsigned char *p);

const char *rascore_gdcm_version(void);

#ifdef __cplusplus
}
#endif

#endif
