//! Builds a [`Sheet`] from the cells a reader found, with memory proportional to the cells and
//! not to the rectangle between the sheet's extremes: each row is only as long as its last
//! cell, an empty row is an empty vector. `Sheet::get`, `address` and `row_number` mean what
//! they meant for the dense grid (the sheet's (0, 0) is its first used row and column).

use super::{Cell, Sheet};
use crate::error::LimitHit;

/// The cells of one sheet as they are read, at absolute (0-based) positions.
pub(super) struct Cells {
    name: String,
    max_cells: u64,
    cells: Vec<(u32, u32, Cell)>,
}

impl Cells {
    pub(super) fn new(name: &str, max_cells: u64) -> Cells {
        Cells {
            name: name.to_string(),
            max_cells,
            cells: Vec::new(),
        }
    }

    /// Adds a cell that the library holds a value for (a whitespace-only text counts: it
    /// extends the used range as it always did). More cells than `max_cells` refuse the sheet
    /// before any more are kept.
    pub(super) fn push(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), LimitHit> {
        if self.cells.len() as u64 >= self.max_cells {
            return Err(LimitHit::Cells {
                max: self.max_cells,
                sheet: self.name.clone(),
                cells: self.cells.len() as u64 + 1,
            });
        }
        self.cells.push((row, col, cell));
        Ok(())
    }

    /// How many cells the ragged grid of these cells would hold: each row as long as its last
    /// cell, an empty row counting as one.
    fn grid_cells(&mut self) -> u64 {
        self.cells.sort_by_key(|(r, c, _)| (*r, *c));
        let (Some(first), Some(last)) = (self.cells.first(), self.cells.last()) else {
            return 0;
        };
        let (first_row, last_row) = (first.0, last.0);
        let first_col = self.cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
        let rows = u64::from(last_row - first_row) + 1;
        let mut total = rows;
        let mut i = 0;
        while i < self.cells.len() {
            let row = self.cells[i].0;
            let mut j = i;
            while j + 1 < self.cells.len() && self.cells[j + 1].0 == row {
                j += 1;
            }
            // The row's last cell decides its length (the empty row's 1 is already counted).
            total += u64::from(self.cells[j].1 - first_col);
            i = j + 1;
        }
        total
    }

    /// The sheet, or the limit it would break.
    pub(super) fn build(mut self) -> Result<Sheet, LimitHit> {
        let grid = self.grid_cells();
        if grid > self.max_cells {
            return Err(LimitHit::Cells {
                max: self.max_cells,
                sheet: self.name,
                cells: grid,
            });
        }
        let Some(first_row) = self.cells.first().map(|(r, _, _)| *r) else {
            return Ok(Sheet {
                name: self.name,
                first_row: 0,
                first_col: 0,
                rows: Vec::new(),
            });
        };
        let first_col = self.cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
        let last_row = self.cells.last().map(|(r, _, _)| *r).unwrap_or(first_row);
        let mut rows: Vec<Vec<Cell>> = Vec::with_capacity((last_row - first_row) as usize + 1);
        rows.resize_with((last_row - first_row) as usize + 1, Vec::new);
        // Sorted by position and stable: of two cells at one position the later read wins, as
        // in the library's own grid.
        for (r, c, cell) in self.cells {
            let row = &mut rows[(r - first_row) as usize];
            let c = (c - first_col) as usize;
            if row.len() <= c {
                row.resize(c + 1, Cell::Empty);
            }
            row[c] = cell;
        }
        Ok(Sheet {
            name: self.name,
            first_row,
            first_col,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn rows_are_only_as_long_as_their_last_cell_and_addresses_stay_absolute() {
        let mut cells = Cells::new("表", 100);
        cells.push(3, 2, text("C4")).unwrap();
        cells.push(5, 4, text("E6")).unwrap();
        cells.push(3, 3, text("D4")).unwrap();
        let s = cells.build().unwrap();
        assert_eq!((s.first_row, s.first_col), (3, 2));
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.rows[0].len(), 2);
        assert!(s.rows[1].is_empty());
        assert_eq!(s.rows[2].len(), 3);
        assert_eq!(s.width(), 3);
        assert_eq!(s.get(2, 2), &text("E6"));
        assert_eq!(s.get(1, 1), &Cell::Empty);
        assert_eq!(s.address(2, 2), "E6");
        assert_eq!(s.row_number(2), 6);
    }

    #[test]
    fn far_apart_cells_cost_their_rows_not_the_rectangle() {
        // A1 and XFD1048576: a million empty rows and one long row, not 17 billion cells.
        let mut cells = Cells::new("表", 2_000_000);
        cells.push(0, 0, text("A1")).unwrap();
        cells.push(1_048_575, 16_383, text("XFD1048576")).unwrap();
        let s = cells.build().unwrap();
        assert_eq!(s.rows.len(), 1_048_576);
        assert_eq!(s.rows.iter().map(Vec::len).sum::<usize>(), 1 + 16_384);
        assert_eq!(s.address(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn a_grid_over_max_cells_is_refused_before_it_is_built() {
        let mut cells = Cells::new("表", 1000);
        cells.push(0, 0, text("a")).unwrap();
        cells.push(5000, 0, text("b")).unwrap();
        match cells.build() {
            Err(LimitHit::Cells { max, sheet, cells }) => {
                assert_eq!((max, sheet.as_str(), cells), (1000, "表", 5001));
            }
            other => panic!("{other:?}"),
        }
        let mut few = Cells::new("表", 2);
        few.push(0, 0, text("a")).unwrap();
        few.push(0, 1, text("b")).unwrap();
        assert!(
            few.push(0, 2, text("c")).is_err(),
            "more cells than max_cells"
        );
    }

    #[test]
    fn the_later_of_two_cells_at_one_position_wins() {
        let mut cells = Cells::new("表", 10);
        cells.push(0, 0, text("old")).unwrap();
        cells.push(0, 0, text("new")).unwrap();
        assert_eq!(cells.build().unwrap().get(0, 0), &text("new"));
    }
}
