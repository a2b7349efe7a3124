// C++ side of the GDCM bridge: reads a DICOM data set from memory with gdcm::ImageReader and
// returns its decoded pixel buffer. All codec work (JPEG, JPEG-LS, JPEG 2000, RLE) is GDCM's.
#include "gdcm_shim.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>

#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmTrace.h>
#include <gdcmVersion.h>

namespace {

void set_err(char *err, size_t err_len, const std::string &msg) {
	if (err_len == 0) return;
	std::strncpy(err, msg.c_str(), err_len - 1);
	err[err_len - 1] = 0;
}

// quiet_stderr sends file descriptor 2 to /dev/null while it lives. GDCM's JPEG codecs print
// libjpeg's warnings there (for instance when the 8-bit codec hands a 12-bit stream to the
// 12-bit one), which would break the one-line error contract of the command line. Decodes
// are serialised so that the descriptor is restored exactly once.
std::mutex stderr_mu;

class quiet_stderr {
 public:
	quiet_stderr() : lock_(stderr_mu) {
		std::fflush(stderr);
		saved_ = dup(2);
		int null_fd = open("/dev/null", O_WRONLY);
		if (saved_ >= 0 && null_fd >= 0) dup2(null_fd, 2);
		if (null_fd >= 0) close(null_fd);
	}
	~quiet_stderr() {
		std::fflush(stderr);
		if (saved_ >= 0) {
			dup2(saved_, 2);
			close(saved_);
		}
	}

 private:
	std::lock_guard<std::mutex> lock_;
	int saved_;
};

}  // namespace

extern "C" int rascore_gdcm_decode(const char *data, size_t len, unsigned char **out,
                                   size_t *out_len, rascore_gdcm_info *info, char *err,
                                   size_t err_len) {
	*out = nullptr;
	*out_len = 0;
	quiet_stderr quiet;
	try {
		gdcm::Trace::SetWarning(false);
		gdcm::Trace::SetError(false);
		gdcm::Trace::SetDebug(false);

		std::istringstream in(std::string(data, len));
		gdcm::ImageReader reader;
		reader.SetStream(in);
		if (!reader.Read()) {
			set_err(err, err_len, "GDCM could not read the data set or its pixel data");
			return 1;
		}
		const gdcm::Image &img = reader.GetImage();
		const gdcm::PixelFormat &pf = img.GetPixelFormat();
		info->columns = img.GetDimension(0);
		info->rows = img.GetDimension(1);
		info->frames = img.GetNumberOfDimensions() > 2 ? img.GetDimension(2) : 1;
		info->samples_per_pixel = pf.GetSamplesPerPixel();
		info->bits_allocated = pf.GetBitsAllocated();
		info->bits_stored = pf.GetBitsStored();
		info->high_bit = pf.GetHighBit();
		info->pixel_representation = pf.GetPixelRepresentation();
		info->planar_configuration = img.GetPlanarConfiguration();
		const char *pi = img.GetPhotometricInterpretation().GetString();
		set_err(info->photometric, sizeof(info->photometric), pi ? pi : "");

		unsigned long n = img.GetBufferLength();
		if (n == 0) {
			set_err(err, err_len, "GDCM decoded an empty pixel buffer");
			return 1;
		}
		unsigned char *buf = static_cast<unsigned char *>(std::malloc(n));
		if (!buf) {
			set_err(err, err_len, "out of memory for the decoded pixel buffer");
			return 1;
		}
		if (!img.GetBuffer(reinterpret_cast<char *>(buf))) {
			std::free(buf);
			set_err(err, err_len, "GDCM could not decode the pixel data");
			return 1;
		}
		*out = buf;
		*out_len = n;
		return 0;
	} catch (const std::exception &e) {
		set_err(err, err_len, std::string("GDCM: ") + e.what());
		return 1;
	} catch (...) {
		set_err(err, err_len, "GDCM failed with an unknown exception");
		return 1;
	}
}

extern "C" void rascore_gdcm_free(unsigned char *p) { std::free(p); }

extern "C" const char *rascore_gdcm_version(void) { return gdcm::Version::GetVersion(); }
