// RAII owners for OpenXR handles: each destroys its handle with the matching xrDestroy* call, once.
#pragma once

#include <openxr/openxr.h>

#include <utility>

namespace rivet::xr {

template <typename H, XrResult(XRAPI_PTR* Destroy)(H)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(H h) : h_(h) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, XR_NULL_HANDLE)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, XR_NULL_HANDLE);
    }
    return *this;
  }
  void reset(H h = XR_NULL_HANDLE) {
    if (h_ != XR_NULL_HANDLE) Destroy(h_);
    h_ = h;
  }
  [[nodiscard]] H get() const { return h_; }
  explicit operator bool() const { return h_ != XR_NULL_HANDLE; }

 private:
  H h_ = XR_NULL_HANDLE;
};

inline XrResult XRAPI_PTR destroyInstance(XrInstance h) { return xrDestroyInstance(h); }
inline XrResult XRAPI_PTR destroySession(XrSession h) { return xrDestroySession(h); }
inline XrResult XRAPI_PTR destroySpace(XrSpace h) { return xrDestroySpace(h); }
inline XrResult XRAPI_PTR destroySwapchain(XrSwapchain h) { return xrDestroySwapchain(h); }
inline XrResult XRAPI_PTR destroyActionSet(XrActionSet h) { return xrDestroyActionSet(h); }

using Instance = Handle<XrInstance, destroyInstance>;
using Session = Handle<XrSession, destroySession>;
using Space = Handle<XrSpace, destroySpace>;
using Swapchain = Handle<XrSwapchain, destroySwapchain>;
using ActionSet = Handle<XrActionSet, destroyActionSet>;

}  // namespace rivet::xr
