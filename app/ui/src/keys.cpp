// The overlay's key table: shortcuts for the step's commands, focus moves, scrolling and keypad editing.
#include "rivet/ui/keys.hpp"

#include <array>

namespace rivet::ui {
namespace {

constexpr std::array kBindings{
    KeyBinding{"Enter", "confirm", "Confirm the step, lock the next isolation point, submit the keypad; on a focused control: press it",
               "Confirmer l'étape, consigner le point suivant, valider le pavé ; sur une commande sélectionnée : l'actionner"},
    KeyBinding{"Space", "confirm", "Same as Enter", "Comme Entrée"},
    KeyBinding{"Right", "next", "Next (confirm; after the last step: next work)", "Suivant (confirmer ; après la dernière étape : travail suivant)"},
    KeyBinding{"Left", "back", "Back to the previous step", "Retour à l'étape précédente"},
    KeyBinding{"p", "pass", "Pass (check conforms)", "Conforme"},
    KeyBinding{"f", "fail", "Fail (check does not conform)", "Non conforme"},
    KeyBinding{"h", "hint", "Show the hint", "Afficher l'indice"},
    KeyBinding{"r", "repeat", "Repeat the instruction", "Répéter la consigne"},
    KeyBinding{"Tab", "", "Select the next control (a frame shows which)", "Sélectionner la commande suivante (un cadre la montre)"},
    KeyBinding{"Down", "", "Select the next control", "Sélectionner la commande suivante"},
    KeyBinding{"Up", "", "Select the previous control", "Sélectionner la commande précédente"},
    KeyBinding{"PageDown", "", "Scroll the step text down", "Faire défiler le texte vers le bas"},
    KeyBinding{"PageUp", "", "Scroll the step text up", "Faire défiler le texte vers le haut"},
    KeyBinding{"Escape", "", "Close the settings or the reason list; clear the selection", "Fermer les réglages ou la liste des motifs ; désélectionner"},
    KeyBinding{"Backspace", "", "Delete the last digit typed", "Effacer le dernier chiffre"},
    KeyBinding{"Delete", "", "Delete the last digit typed", "Effacer le dernier chiffre"},
};

}  // namespace

std::span<const KeyBinding> keyBindings() { return kBindings; }

void applyKey(std::string_view key, Input& input) {
  for (const auto& b : kBindings) {
    if (b.key != key) continue;
    // The overlay sees the key itself (focus, scrolling, keypad) and, for shortcuts, the command it names.
    input.keys.emplace_back(key);
    if (!b.command.empty()) input.commands.emplace_back(b.command);
    return;
  }
}

}  // namespace rivet::ui
