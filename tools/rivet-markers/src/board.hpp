// ChArUco calibration board page for rivet-calibrate: OpenCV 4.6's CharucoBoard layout at exact physical size,
// with caption (board, sizes, dictionary, the matching rivet-calibrate options), gluing advice and the scale ruler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "sheet.hpp"

namespace rivet::markers {

struct BoardOptions {
  int squares_x = 5;  // chessboard squares across (columns)
  int squares_y = 7;  // chessboard squares down (rows); must be odd (see layoutBoard)
  double square_mm = 40;
  double marker_mm = 20;
  std::string dictionary = "DICT_6X6_250";
  Paper paper{"A4", 210, 297};
  double margin_mm = 10;
};

struct BoardPage {
  Page page;
  RectMm board;                       // the board's outline on the page (mm, y down)
  std::vector<PlacedMarker> markers;  // every marker: id and black square on the page, in id order
  std::string calibrate_options;      // "--board 5x7 --square-mm 40 --marker-mm 20 --dict DICT_6X6_250"
};

// "5x7" (squares across x down; 'X' and spaces around the numbers allowed). Error names --board.
core::Result<std::pair<int, int>> parseBoardSize(std::string_view text);

// Dictionaries a board can use: the OpenCV ArUco dictionaries (DICT_*) that rivet-calibrate accepts.
std::vector<std::string> boardDictionaries();

// Lays out the board exactly as OpenCV 4.6's CharucoBoard::create(squares_x, squares_y, square, marker, dict)
// ->draw() shows it: square (column c, row r from the top-left) is black when c + r is even; the white squares hold
// markers 0, 1, 2, ... in row-major order from the top-left, each centred in its square and upright (the marker's
// first corner top-left). One page, the board centred under a header line, the caption and advice under the board,
// the ruler at the bottom. Errors (one line, naming the option, saying what to do): even number of rows, fewer than
// 2 squares across or 3 down, marker not smaller than the square, sizes out of range, unknown dictionary, more
// markers than the dictionary has, board too large for the paper (naming a paper that fits and the largest square
// that fits this paper), margins too large.
core::Result<BoardPage> layoutBoard(const BoardOptions& options);

}  // namespace rivet::markers
