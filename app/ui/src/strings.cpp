// French and English strings of the overlay's fixed labels.
#include <array>

#include "rivet/ui/overlay.hpp"

namespace rivet::ui {
namespace {
struct Entry {
  std::string_view key, en, fr;
};
constexpr std::array kStrings{
    Entry{"searching", "Searching for markers\u2026", "Recherche des marqueurs\u2026"},
    Entry{"searching_hint", "Point the camera at the machine's markers", "Orientez la cam\u00e9ra vers les marqueurs de la machine"},
    Entry{"tracked", "Model anchored", "Mod\u00e8le ancr\u00e9"},
    Entry{"world_anchored", "Model anchored in the room", "Mod\u00e8le ancr\u00e9 dans la pi\u00e8ce"},
    Entry{"world_anchored_hint", "markers out of view", "marqueurs hors champ"},
    Entry{"ambiguous", "One marker, orientation uncertain", "Un seul marqueur, orientation incertaine"},
    Entry{"ambiguous_hint", "Step to one side or bring a second marker into view",
          "D\u00e9calez-vous ou visez un deuxi\u00e8me marqueur"},
    Entry{"degraded", "Approximate registration", "Recalage approximatif"},
    Entry{"degraded_hint", "model ghosted", "mod\u00e8le en transparence"},
    Entry{"registration_rejected", "Model not anchored: the markers do not fit the map",
          "Mod\u00e8le non ancr\u00e9 : les marqueurs ne correspondent pas \u00e0 la carte"},
    Entry{"markers", "markers", "marqueurs"},
    Entry{"accuracy", "accuracy", "pr\u00e9cision"},
    Entry{"step", "Step", "\u00c9tape"},
    Entry{"parts", "Parts", "Pi\u00e8ces"},
    Entry{"live_values", "Live values", "Valeurs en direct"},
    Entry{"stale", "STALE", "P\u00c9RIM\u00c9"},
    Entry{"missing", "NO DATA", "SANS DONN\u00c9E"},
    Entry{"bad", "BAD QUALITY", "QUALIT\u00c9 MAUVAISE"},
    Entry{"ok", "OK", "OK"},
    Entry{"gate_waiting", "Waiting for live condition", "En attente de la condition"},
    Entry{"gate_open", "Condition met", "Condition remplie"},
    Entry{"gate_stale", "Blocked: data stale", "Bloqu\u00e9 : donn\u00e9e p\u00e9rim\u00e9e"},
    Entry{"gate_failed", "Blocked: condition not met", "Bloqu\u00e9 : condition non remplie"},
    Entry{"finished", "Procedure complete", "Proc\u00e9dure termin\u00e9e"},
    Entry{"work_order", "Work order", "OT"},
    Entry{"alarm", "ALARM", "ALARME"},
    Entry{"age", "age", "\u00e2ge"},
    Entry{"acknowledge", "Acknowledge", "Acquitter"},
    Entry{"acknowledged", "Acknowledged", "Acquitt\u00e9e"},
    Entry{"delete", "Delete", "Effacer"},
    Entry{"settings", "Settings", "R\u00e9glages"},
    Entry{"language", "Language", "Langue"},
    Entry{"text_size", "Text size", "Taille du texte"},
    Entry{"high_contrast", "High contrast", "Contraste \u00e9lev\u00e9"},
    Entry{"close", "Close", "Fermer"},
    Entry{"login", "Log in", "Connexion"},
    Entry{"badge_hint", "Or show your badge to the camera", "Ou pr\u00e9sentez votre badge \u00e0 la cam\u00e9ra"},
    Entry{"who", "Who are you?", "Qui \u00eates-vous ?"},
    Entry{"pin_for", "PIN", "Code PIN"},
    Entry{"cancel", "Cancel", "Annuler"},
    Entry{"choose_work", "Choose the work", "Choisir le travail"},
    Entry{"work_orders", "Work orders", "Ordres de travail"},
    Entry{"procedures", "Procedures", "Proc\u00e9dures"},
    Entry{"logout", "Log out", "D\u00e9connexion"},
    Entry{"aborted", "Procedure abandoned", "Proc\u00e9dure abandonn\u00e9e"},
    Entry{"new_session", "Next work", "Travail suivant"},
    Entry{"skip_why", "Why skip this step?", "Pourquoi passer cette \u00e9tape ?"},
    Entry{"abort_why", "Why abandon the procedure?", "Pourquoi abandonner la proc\u00e9dure ?"},
    Entry{"reason_not_applicable", "Not applicable to this machine", "Sans objet sur cette machine"},
    Entry{"reason_unsafe", "Unsafe to continue", "Poursuite dangereuse"},
    Entry{"reason_no_part", "Part or tool missing", "Pi\u00e8ce ou outil manquant"},
    Entry{"reason_other_team", "Handed to another team", "Transmis \u00e0 une autre \u00e9quipe"},
    Entry{"value", "Value", "Valeur"},
    Entry{"confirm", "Confirm", "Confirmer"},
    Entry{"pass", "Pass", "Conforme"},
    Entry{"fail", "Fail", "Non conforme"},
    Entry{"sign_off", "Sign off", "Viser"},
    Entry{"back", "Back", "Retour"},
    Entry{"hint", "Hint", "Indice"},
    Entry{"skip", "Skip", "Passer"},
    Entry{"abort", "Abort", "Abandonner"},
    Entry{"enter_value", "Enter value", "Saisir la valeur"},
    Entry{"choose", "Choose", "Choisir"},
    Entry{"answer", "Answer", "R\u00e9pondre"},
    Entry{"kind_instruction", "Instruction", "Instruction"},
    Entry{"kind_lockout", "Lockout/tagout", "Consignation"},
    Entry{"kind_check", "Check", "Contr\u00f4le"},
    Entry{"kind_measurement", "Measurement", "Relev\u00e9 de mesure"},
    Entry{"kind_tag_gate", "Live check", "V\u00e9rification en direct"},
    Entry{"kind_decision", "Decision", "D\u00e9cision"},
    Entry{"kind_call", "Sub-procedure", "Sous-proc\u00e9dure"},
    Entry{"kind_sign_off", "Sign-off", "Visa"},
    Entry{"kind_quiz", "Quiz", "Quiz"},
    Entry{"role_technician", "technician", "technicien"},
    Entry{"role_trainer", "trainer", "formateur"},
    Entry{"role_author", "author", "auteur"},
    Entry{"role_admin", "administrator", "administrateur"},
    Entry{"nominal", "Nominal", "Nominal"},
    Entry{"ppe", "PPE: ", "EPI : "},
    Entry{"lock", "lock", "cadenas"},
    Entry{"broker_down", "Plant data link lost \u2014 values are stale, live checks are closed",
          "Liaison donn\u00e9es usine perdue \u2014 valeurs p\u00e9rim\u00e9es, v\u00e9rifications ferm\u00e9es"},
    Entry{"broker_connecting", "Connecting to the plant data broker\u2026", "Connexion au courtier de donn\u00e9es\u2026"},
    Entry{"pin_wrong", "Wrong PIN or locked account", "Code PIN incorrect ou compte verrouill\u00e9"},
    Entry{"signed_by", "Signed by", "Vis\u00e9 par"},
    Entry{"resumed", "Session resumed at this step", "Session reprise \u00e0 cette \u00e9tape"},
    Entry{"in_tolerance", "In tolerance", "Dans la tol\u00e9rance"},
    Entry{"out_of_tolerance", "Out of tolerance", "Hors tol\u00e9rance"},
};
}  // namespace

std::string_view tr(Language language, std::string_view key) {
  for (const auto& e : kStrings) {
    if (e.key == key) return language == Language::Fr ? e.fr : e.en;
  }
  return key;
}

}  // namespace rivet::ui
