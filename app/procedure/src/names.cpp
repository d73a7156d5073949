// Names of the procedure enums as written in YAML, JSON logs and exports.
#include <array>
#include <utility>

#include "rivet/procedure/engine.hpp"
#include "rivet/procedure/event.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::procedure {
namespace {

template <class E, std::size_t N>
const char* nameOf(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}
template <class E, std::size_t N>
std::optional<E> valueOf(const std::array<std::pair<E, const char*>, N>& table, std::string_view name) {
  for (const auto& [e, n] : table) {
    if (name == n) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Role, const char*>, 4> kRoles{{
    {Role::Technician, "technician"}, {Role::Trainer, "trainer"}, {Role::Author, "author"}, {Role::Admin, "admin"}}};
constexpr std::array<std::pair<StepKind, const char*>, 9> kKinds{{{StepKind::Instruction, "instruction"},
                                                                   {StepKind::Lockout, "lockout"},
                                                                   {StepKind::Check, "check"},
                                                                   {StepKind::Measurement, "measurement"},
                                                                   {StepKind::TagGate, "tag_gate"},
                                                                   {StepKind::Decision, "decision"},
                                                                   {StepKind::Call, "call"},
                                                                   {StepKind::SignOff, "sign_off"},
                                                                   {StepKind::Quiz, "quiz"}}};
constexpr std::array<std::pair<Quality, const char*>, 3> kQualities{
    {{Quality::Good, "good"}, {Quality::Uncertain, "uncertain"}, {Quality::Bad, "bad"}}};
constexpr std::array<std::pair<EventType, const char*>, 10> kEvents{{{EventType::Confirm, "confirm"},
                                                                      {EventType::Value, "value"},
                                                                      {EventType::Tag, "tag"},
                                                                      {EventType::Back, "back"},
                                                                      {EventType::Abort, "abort"},
                                                                      {EventType::Skip, "skip"},
                                                                      {EventType::SignOff, "sign_off"},
                                                                      {EventType::Choose, "choose"},
                                                                      {EventType::Answer, "answer"},
                                                                      {EventType::Hint, "hint"}}};
constexpr std::array<std::pair<CompareOp, const char*>, 6> kOps{{{CompareOp::Lt, "<"},
                                                                  {CompareOp::Le, "<="},
                                                                  {CompareOp::Gt, ">"},
                                                                  {CompareOp::Ge, ">="},
                                                                  {CompareOp::Eq, "=="},
                                                                  {CompareOp::Ne, "!="}}};
constexpr std::array<std::pair<GateState, const char*>, 5> kGates{{{GateState::None, "none"},
                                                                    {GateState::Waiting, "waiting"},
                                                                    {GateState::Ok, "ok"},
                                                                    {GateState::Stale, "stale"},
                                                                    {GateState::Failed, "failed"}}};
constexpr std::array<std::pair<Action, const char*>, 11> kActions{{{Action::Confirm, "confirm"},
                                                                    {Action::Pass, "pass"},
                                                                    {Action::Fail, "fail"},
                                                                    {Action::EnterValue, "value"},
                                                                    {Action::Choose, "choose"},
                                                                    {Action::Answer, "answer"},
                                                                    {Action::SignOff, "sign_off"},
                                                                    {Action::Back, "back"},
                                                                    {Action::Skip, "skip"},
                                                                    {Action::Abort, "abort"},
                                                                    {Action::Hint, "hint"}}};
}  // namespace

const char* toString(Role role) { return nameOf(kRoles, role); }
std::optional<Role> roleFromString(std::string_view name) { return valueOf(kRoles, name); }
const char* toString(StepKind kind) { return nameOf(kKinds, kind); }
std::optional<StepKind> stepKindFromString(std::string_view name) { return valueOf(kKinds, name); }
const char* toString(Quality quality) { return nameOf(kQualities, quality); }
std::optional<Quality> qualityFromString(std::string_view name) { return valueOf(kQualities, name); }
const char* toString(EventType type) { return nameOf(kEvents, type); }
std::optional<EventType> eventTypeFromString(std::string_view name) { return valueOf(kEvents, name); }
const char* toString(CompareOp op) { return nameOf(kOps, op); }
const char* toString(GateState state) { return nameOf(kGates, state); }
const char* toString(Action action) { return nameOf(kActions, action); }

}  // namespace rivet::procedure
