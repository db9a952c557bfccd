// Node-API addon for the Nitro Secure Module device (/dev/nsm): open, one ioctl round trip,
// close. The CBOR encoding and decoding live in TypeScript (src/attestation/nsm-protocol.ts).
// Protocol facts, from aws-nitro-enclaves-nsm-api src/driver/mod.rs and linux uapi nsm.h:
// the argument is two iovecs {request, response}; the request code is _IOWR(0x0A, 0, that
// struct); requests are at most 0x1000 bytes; the response buffer is 0x3000 bytes and the
// driver shortens response.iov_len to what the device wrote. Errors are thrown as an Error
// whose code and message are the errno name and nothing else.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define NSM_MAGIC 0x0A
#define NSM_REQUEST_MAX_SIZE 0x1000
#define NSM_RESPONSE_MAX_SIZE 0x3000
#define NSM_PATH_MAX 4096

struct nsm_message {
  struct iovec request;
  struct iovec response;
};
#define NSM_IOCTL_REQUEST _IOWR(NSM_MAGIC, 0, struct nsm_message)
_Static_assert(sizeof(void *) != 8 || NSM_IOCTL_REQUEST == 0xC0200A00u, "NSM ioctl request code must be 0xC0200A00 on 64-bit Linux");

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";       case ENOENT: return "ENOENT";     case EINTR: return "EINTR";
    case EIO: return "EIO";           case ENXIO: return "ENXIO";       case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";     case ENOMEM: return "ENOMEM";     case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";     case EBUSY: return "EBUSY";       case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";   case EISDIR: return "EISDIR";     case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";     case EMFILE: return "EMFILE";     case ENOTTY: return "ENOTTY";
    case ENAMETOOLONG: return "ENAMETOOLONG"; case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";   case EMSGSIZE: return "EMSGSIZE"; case ETIMEDOUT: return "ETIMEDOUT";
    case EPROTO: return "EPROTO";     case EOVERFLOW: return "EOVERFLOW";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int e) {
  const char *name = errno_name(e);
  napi_throw_error(env, name, name);
  return NULL;
}

// Reads argument i as a non-negative integral file descriptor (no NaN → 0 coercion), or throws EBADF.
static int fd_arg(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t *fd) {
  napi_valuetype t;
  double d;
  if (i >= argc || napi_typeof(env, argv[i], &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, argv[i], &d) != napi_ok || !(d >= 0 && d <= 2147483647.0) ||
      napi_get_value_int32(env, argv[i], fd) != napi_ok || (double)*fd != d) {
    throw_errno(env, EBADF);
    return 0;
  }
  return 1;
}

// open(path: string): number
static napi_value nsm_open(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], result;
  char path[NSM_PATH_MAX];
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string)
    return throw_errno(env, EINVAL);
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &len) != napi_ok) return throw_errno(env, EINVAL);
  if (len == 0) return throw_errno(env, ENOENT); // as open("") does
  if (len >= sizeof(path) - 1) return throw_errno(env, ENAMETOOLONG);
  if (strlen(path) != len) return throw_errno(env, EINVAL); // embedded NUL
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno);
  napi_create_int32(env, fd, &result);
  return result;
}

// request(fd: number, request: Uint8Array): Buffer
static napi_value nsm_request(napi_env env, napi_callback_info info) {
  size_t argc = 2, req_len = 0, offset = 0;
  napi_value argv[2], result, arraybuffer;
  napi_typedarray_type type;
  void *req_data = NULL;
  bool is_typedarray = false;
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return throw_errno(env, EINVAL);
  if (!fd_arg(env, argv, argc, 0, &fd)) return NULL;
  if (argc < 2 || napi_is_typedarray(env, argv[1], &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, argv[1], &type, &req_len, &req_data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array)
    return throw_errno(env, EINVAL);
  if (req_len == 0) return throw_errno(env, EINVAL);
  if (req_len > NSM_REQUEST_MAX_SIZE) return throw_errno(env, EMSGSIZE);

  uint8_t *response = calloc(1, NSM_RESPONSE_MAX_SIZE);
  if (response == NULL) return throw_errno(env, ENOMEM);
  struct nsm_message msg = {
      .request = {.iov_base = req_data, .iov_len = req_len},
      .response = {.iov_base = response, .iov_len = NSM_RESPONSE_MAX_SIZE},
  };
  int rc;
  do {
    rc = ioctl(fd, NSM_IOCTL_REQUEST, &msg);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int e = errno;
    free(response);
    return throw_errno(env, e);
  }
  if (msg.response.iov_len == 0 || msg.response.iov_len > NSM_RESPONSE_MAX_SIZE) {
    free(response);
    return throw_errno(env, EPROTO);
  }
  napi_status s = napi_create_buffer_copy(env, msg.response.iov_len, response, NULL, &result);
  free(response);
  if (s != napi_ok) return throw_errno(env, ENOMEM);
  return result;
}

// close(fd: number): undefined
static napi_value nsm_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return throw_errno(env, EINVAL);
  if (!fd_arg(env, argv, argc, 0, &fd)) return NULL;
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, errno); // after EINTR the fd is gone on Linux
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value request_code;
  napi_create_uint32(env, (uint32_t)NSM_IOCTL_REQUEST, &request_code);
  napi_property_descriptor props[] = {
      {"open", NULL, nsm_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"request", NULL, nsm_request, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, nsm_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ioctlRequest", NULL, NULL, NULL, NULL, request_code, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
