// Pack pins: a pin is made from a pack verified with its key; a loaded pack must match its id's pin (version, key).
#include "rivet/fleet/pins.hpp"

#include "rivet/content/pack_signature.hpp"

namespace rivet::fleet {

core::Result<records::PackPin> pinFromPack(const std::filesystem::path& pack_dir,
                                           const std::filesystem::path& public_key_pem, std::int64_t now_ns) {
  content::PackLoadOptions options;
  options.public_key_pem = public_key_pem;
  options.require_signature = true;
  auto pack = content::loadPack(pack_dir.string(), options);
  if (!pack) return pack.error();
  auto fingerprint = content::publicKeyFingerprint(public_key_pem);
  if (!fingerprint) return fingerprint.error();
  return records::PackPin{pack->manifest.id, pack->manifest.version, *fingerprint, now_ns};
}

core::Result<std::optional<records::PackPin>> checkPackPin(const records::Store& store, const content::Pack& pack,
                                                           const std::filesystem::path& public_key_pem) {
  auto pin = store.findPackPin(pack.manifest.id);
  if (!pin) return std::optional<records::PackPin>();
  const std::string where = (pack.root / "pack.yaml").string();
  const std::string pinned = "pack '" + pin->pack_id + "' is pinned on this device (" + store.path() + ") to version " +
                             pin->version + " signed by key " + pin->key_fingerprint;
  if (public_key_pem.empty() || !pack.signature_verified) {
    return core::makeError(pinned + ", but it was loaded without checking its signature", where,
                           "give --key with the public key of that fingerprint");
  }
  auto fingerprint = content::publicKeyFingerprint(public_key_pem);
  if (!fingerprint) return fingerprint.error();
  if (*fingerprint != pin->key_fingerprint) {
    return core::makeError(pinned + ", but --key is another key (" + *fingerprint + ")", public_key_pem.string(),
                           "use the pinned publisher's key, or have an administrator re-pin (rivet-sync pin)");
  }
  if (pack.manifest.version != pin->version) {
    return core::makeError(pinned + ", but this pack is version " + pack.manifest.version, where,
                           "install the pinned version, or have an administrator pin this one (rivet-sync pin)");
  }
  return std::optional<records::PackPin>(*pin);
}

core::Result<std::optional<records::PackPin>> checkPackPin(const std::filesystem::path& db, const content::Pack& pack,
                                                           const std::filesystem::path& public_key_pem) {
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) return std::optional<records::PackPin>();
  auto store = records::Store::open(db.string());
  if (!store) return store.error();
  return checkPackPin(*store, pack, public_key_pem);
}

}  // namespace rivet::fleet
