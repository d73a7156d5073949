// Sparkplug B: topics, payload encode/decode (protobuf hidden), and the host-side state machine that feeds the store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/store.hpp"
#include "rivet/tags/tag.hpp"

namespace rivet::tags::sparkplug {

inline constexpr std::string_view kNamespace = "spBv1.0";

enum class MessageType : std::uint8_t { NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD, DCMD, STATE };
std::string_view toString(MessageType type);

// spBv1.0/<group>/<type>/<node>[/<device>]  (STATE: spBv1.0/STATE/<host id>, host id in `node`)
struct Topic {
  MessageType type = MessageType::NDATA;
  std::string group, node, device;
};
core::Result<Topic> parseTopic(std::string_view topic);
std::string makeTopic(MessageType type, std::string_view group, std::string_view node, std::string_view device = {});

// Sparkplug 3.0 DataType numbers.
enum class DataType : std::uint32_t {
  Unknown = 0, Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4, UInt8 = 5, UInt16 = 6, UInt32 = 7, UInt64 = 8,
  Float = 9, Double = 10, Boolean = 11, String = 12, DateTime = 13, Text = 14, UUID = 15, DataSet = 16,
  Bytes = 17, File = 18, Template = 19,
};

struct Metric {
  std::string name;                    // empty in DATA messages that use aliases only
  std::optional<std::uint64_t> alias;
  std::uint64_t timestamp_ms = 0;      // 0 = absent
  DataType datatype = DataType::Unknown;
  Value value{0.0};
  bool is_null = false;
  std::optional<Quality> quality;      // from the "Quality" property (192 good, 0..63 bad, 500 stale), if any
  bool has_value = true;               // false for types Rivet does not read (DataSet, Template, Bytes...)
};

struct Payload {
  std::uint64_t timestamp_ms = 0;
  std::optional<std::uint64_t> seq;
  std::vector<Metric> metrics;
};

std::string encode(const Payload& payload);  // protobuf bytes
core::Result<Payload> decode(std::string_view bytes);

// The "Node Control/Rebirth" NCMD a host sends to ask an edge node to publish its births again.
std::string encodeRebirthCommand(std::uint64_t timestamp_ms);

struct HostStats {
  std::uint64_t messages = 0;          // Sparkplug messages handled
  std::uint64_t metrics_applied = 0;   // metric values written into the store
  std::uint64_t metrics_unbound = 0;   // metrics no binding refers to (normal for big nodes)
  std::uint64_t malformed = 0;         // undecodable payloads or topics (dropped, one log line each)
  std::uint64_t seq_gaps = 0;          // sequence number jumps
  std::uint64_t unknown_aliases = 0;   // data for aliases never born
  std::uint64_t rebirths_requested = 0;
  std::uint64_t births = 0;
  std::uint64_t deaths = 0;
};

struct RebirthRequest {
  std::string group, node;
};

// Host application side: keeps per-edge-node birth state (aliases, bdSeq, seq) and writes bound metrics into the
// store. Not thread-safe: one thread (the MQTT callback thread) calls handle().
class HostDecoder {
 public:
  explicit HostDecoder(const TagBindings& bindings, std::string name_space = std::string(kNamespace));
  ~HostDecoder();
  HostDecoder(HostDecoder&&) noexcept;
  HostDecoder& operator=(HostDecoder&&) noexcept;

  // Handles one MQTT message. A malformed payload is counted and dropped (never throws, never crashes).
  // Returns a rebirth request when the node's state is unknown or a sequence gap was seen (at most one per node
  // per `rebirth_holdoff_ms`).
  std::optional<RebirthRequest> handle(std::string_view topic, std::string_view payload, std::int64_t now_ns,
                                       TagStore& store);

  [[nodiscard]] const HostStats& stats() const;
  // Topic filters covering every bound edge node: "spBv1.0/<group>/+/<node>" and ".../<node>/+".
  [[nodiscard]] std::vector<std::string> subscriptions() const;
  void setRebirthHoldoffMs(std::int64_t ms);
  // Forgets every node's session (after our own reconnection) and returns a rebirth request for each bound node,
  // so a host that joins a quiet plant still gets births.
  std::vector<RebirthRequest> restartSessions(std::int64_t now_ns);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet::tags::sparkplug
