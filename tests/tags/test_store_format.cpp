// TagStore freshness rules (fresh, stale, missing, bad), router conversions, and UI formatting in en/fr.
#include <gtest/gtest.h>

#include <thread>

#include "rivet/tags/format.hpp"
#include "rivet/tags/router.hpp"
#include "rivet/tags/store.hpp"

using namespace rivet::tags;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000'000 * kMs;

TagValue good(Value v, std::int64_t t) { return TagValue{std::move(v), Quality::Good, t, t, true}; }

TagBindings sample() {
  auto r = parseBindings(R"(
tags:
  - id: p
    label: {en: Air pressure, fr: Pression d'air}
    unit: bar
    source: {sparkplug: {group: G, node: N, device: D, metric: P}}
    scale: 0.01
    range: {min: 0, max: 10}
    decimals: 2
    max_age_ms: 1000
    flatline_ms: 500
  - id: k
    type: bool
    label: {en: Contactor, fr: Contacteur}
    source: {topic: plant/k}
    true_label: {en: Closed, fr: Fermé}
    false_label: {en: Open, fr: Ouvert}
    invert: true
  - id: m
    type: enum
    label: {en: Mode, fr: Mode}
    source: {topic: plant/m}
    enum: [{code: 0, en: Stopped, fr: Arrêté}, {code: 1, en: Running, fr: En marche}]
)", "t.yaml");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return *r;
}
}  // namespace

TEST(Store, FreshnessStates) {
  TagStore store(sample());
  EXPECT_EQ(store.freshness("p", kT0), Freshness::Missing);
  EXPECT_EQ(store.freshness("unknown", kT0), Freshness::Missing);
  EXPECT_FALSE(store.get("p"));
  EXPECT_EQ(store.size(), 3u);

  store.update("p", good(2.5, kT0));
  EXPECT_EQ(store.freshness("p", kT0 + 999 * kMs), Freshness::Fresh);
  EXPECT_TRUE(store.usableForGate("p", kT0 + 999 * kMs));
  EXPECT_EQ(store.freshness("p", kT0 + 1001 * kMs), Freshness::Stale);  // max_age_ms 1000
  EXPECT_FALSE(store.usableForGate("p", kT0 + 1001 * kMs));
  EXPECT_EQ(*store.ageMs("p", kT0 + 1500 * kMs), 1500);

  store.setQuality({"p"}, Quality::Bad);
  EXPECT_EQ(store.freshness("p", kT0 + 10 * kMs), Freshness::BadQuality);
  EXPECT_FALSE(store.usableForGate("p", kT0 + 10 * kMs));

  TagValue uncertain = good(2.5, kT0);
  uncertain.quality = Quality::Uncertain;
  store.update("p", uncertain);
  EXPECT_EQ(store.freshness("p", kT0), Freshness::Fresh);
  EXPECT_FALSE(store.usableForGate("p", kT0));  // uncertain fails closed

  const auto v0 = store.version();
  store.update("new.tag", good(1.0, kT0));  // undeclared ids get the default max age
  EXPECT_GT(store.version(), v0);
  EXPECT_EQ(store.freshness("new.tag", kT0 + (TagStore::kDefaultMaxAgeMs - 1) * kMs), Freshness::Fresh);
  EXPECT_EQ(store.freshness("new.tag", kT0 + (TagStore::kDefaultMaxAgeMs + 1) * kMs), Freshness::Stale);
  EXPECT_EQ(store.ids().front(), "k");
}

TEST(Store, ConcurrentWritersAndReaders) {
  TagStore store;
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) store.update("a", good(static_cast<double>(i), kT0 + i));
  });
  double last = -1;
  for (int i = 0; i < 20000; ++i) {
    if (auto v = store.get("a")) {
      const double d = std::get<double>(v->value);
      EXPECT_GE(d, last);  // values only move forward
      last = d;
    }
  }
  writer.join();
  EXPECT_EQ(std::get<double>(store.get("a")->value), 19999.0);
}

TEST(Router, ConvertsScalesInvertsAndChecksRange) {
  const TagBindings b = sample();
  TagRouter router(b);
  TagStore store(b);
  const int p = router.findSparkplug("G", "N", "D", "P");
  ASSERT_GE(p, 0);
  EXPECT_EQ(router.findSparkplug("G", "N", "D", "Q"), -1);
  EXPECT_EQ(router.findTopic("plant/k"), 1);

  router.apply(p, RawSample{620.0, Quality::Good, kT0 - 5 * kMs, false}, kT0, store);
  auto v = store.get("p");
  ASSERT_TRUE(v);
  EXPECT_NEAR(std::get<double>(v->value), 6.2, 1e-12);
  EXPECT_EQ(v->quality, Quality::Good);
  EXPECT_EQ(v->source_time_ns, kT0 - 5 * kMs);
  EXPECT_EQ(v->receive_time_ns, kT0);

  router.apply(p, RawSample{1500.0, Quality::Good, 0, false}, kT0, store);  // 15 bar: above range -> Bad
  EXPECT_EQ(store.get("p")->quality, Quality::Bad);
  EXPECT_EQ(store.get("p")->source_time_ns, kT0);  // unknown source time -> receive time
  router.apply(p, RawSample{std::string("oops"), Quality::Good, 0, false}, kT0, store);
  EXPECT_EQ(store.get("p")->quality, Quality::Bad);
  router.apply(p, RawSample{0.0, Quality::Good, 0, true}, kT0, store);  // is_null
  EXPECT_EQ(store.get("p")->quality, Quality::Bad);

  router.apply(router.findTopic("plant/k"), RawSample{true, Quality::Good, 0, false}, kT0, store);
  EXPECT_EQ(std::get<bool>(store.get("k")->value), false);  // invert: normally-closed contact
}

TEST(Router, FlatlineMarksStuckSensorUncertain) {
  const TagBindings b = sample();
  TagRouter router(b);
  TagStore store(b);
  const int p = router.findSparkplug("G", "N", "D", "P");
  for (int i = 0; i <= 6; ++i) router.apply(p, RawSample{500.0, Quality::Good, kT0 + i * 100 * kMs, false}, kT0, store);
  EXPECT_EQ(store.get("p")->quality, Quality::Uncertain);  // unchanged for 600 ms > flatline 500 ms
  router.apply(p, RawSample{501.0, Quality::Good, kT0 + 700 * kMs, false}, kT0, store);
  EXPECT_EQ(store.get("p")->quality, Quality::Good);
}

TEST(Format, ValuesUnitsLabelsInBothLanguages) {
  const TagBindings b = sample();
  const TagBinding& p = *b.find("p");
  const TagBinding& k = *b.find("k");
  const TagBinding& m = *b.find("m");
  EXPECT_EQ(formatValue(good(2.345, kT0), p, Language::En), "2.35 bar");
  EXPECT_EQ(formatValue(good(2.345, kT0), p, Language::Fr), "2,35 bar");
  EXPECT_EQ(formatValue(good(-0.0001, kT0), p, Language::En), "0.00 bar");
  EXPECT_EQ(formatValue(good(true, kT0), k, Language::Fr), "Fermé");
  EXPECT_EQ(formatValue(good(false, kT0), k, Language::En), "Open");
  EXPECT_EQ(formatValue(good(1.0, kT0), m, Language::Fr), "En marche");
  EXPECT_EQ(formatValue(good(7.0, kT0), m, Language::En), "code 7");
  EXPECT_EQ(formatValue(TagValue{}, p, Language::En), "—");
  EXPECT_EQ(tagLabel(p, Language::Fr), "Pression d'air");
  EXPECT_EQ(freshnessText(Freshness::Stale, Language::En), "STALE");
  EXPECT_EQ(freshnessText(Freshness::Stale, Language::Fr), "PÉRIMÉ");
  EXPECT_EQ(freshnessText(Freshness::Missing, Language::En), "MISSING");
  EXPECT_EQ(freshnessText(Freshness::BadQuality, Language::En), "BAD");
  EXPECT_EQ(formatAge(850), "850 ms");
  EXPECT_EQ(formatAge(12'400), "12 s");
  EXPECT_EQ(formatAge(185'000), "3 min");
}
