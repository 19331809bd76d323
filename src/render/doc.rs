//! A report as a document: headings, paragraphs, tables, lists and figures of plain text. The
//! report builders (`render::report`) say what a report holds once; `render::markdown` and
//! `render::html` each write it out with their own escaping, so the two files always agree.

/// A piece of running text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text (untrusted: escaped by each writer).
    Text(String),
    /// Code: an id, a path.
    Code(String),
    /// Emphasised text.
    Strong(String),
    /// A link; the address is a checked `https://` one.
    Link(String, String),
}

/// Text made of pieces.
pub type Text = Vec<Inline>;

/// One block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    /// A paragraph.
    Para(Text),
    /// A bulleted list.
    List(Vec<Text>),
    /// A table; `right` lists the columns aligned right (numbers).
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// Right-aligned columns.
        right: Vec<usize>,
        /// Cells.
        rows: Vec<Vec<Text>>,
    },
    /// A chart: its file stem, alt text and SVG (inlined in HTML, linked from Markdown).
    Figure {
        /// File stem.
        name: String,
        /// Alt text.
        alt: String,
        /// The SVG document.
        svg: String,
    },
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Title (the first heading).
    pub title: String,
    /// Blocks after the title.
    pub blocks: Vec<Block>,
}

/// Plain text.
pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

/// Code.
pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// A paragraph of plain text.
pub fn para(s: impl Into<String>) -> Block {
    Block::Para(vec![text(s)])
}
