//! Scalar expressions in scenario files: `"0.5*sin(pi*x)*cos(pi*y/2)"`, `"t - ln(cos(x))"`.
//!
//! Parsing is done by the `evalexpr` crate; the parsed tree is then compiled into our own small
//! tree of `f64` operations. That gives real-number semantics throughout (`1/2` is `0.5`, never
//! integer division), a closed list of names checked when the scenario is loaded (so a typo is an
//! error before anything runs), and fast evaluation at millions of grid nodes.
//!
//! Grammar: numbers, the variables given by the caller (`x`, `y`, `t`, ...), the constants `pi`
//! and `e`, `+ - * / ^` (with `^` right-associative and binding tighter than unary minus, so
//! `-x^2 = -(x^2)` and `2^3^2 = 2^9`), parentheses, and the functions
//! `sin cos tan asin acos atan sinh cosh tanh exp ln log sqrt abs` (one argument; `log` is the
//! natural logarithm), `atan2(y, x)`, `min(a, b, ...)`, `max(a, b, ...)`, `hypot(a, b)`.

use crate::error::{Error, Result};
use evalexpr::{build_operator_tree, DefaultNumericTypes, Node, Operator, Value};

type Fn1 = fn(f64) -> f64;
type Fn2 = fn(f64, f64) -> f64;

/// Functions of one argument.
const UNARY: &[(&str, Fn1)] = &[
    ("sin", f64::sin),
    ("cos", f64::cos),
    ("tan", f64::tan),
    ("asin", f64::asin),
    ("acos", f64::acos),
    ("atan", f64::atan),
    ("sinh", f64::sinh),
    ("cosh", f64::cosh),
    ("tanh", f64::tanh),
    ("exp", f64::exp),
    ("ln", f64::ln),
    ("log", f64::ln),
    ("sqrt", f64::sqrt),
    ("abs", f64::abs),
];

/// Functions of two arguments.
const BINARY: &[(&str, Fn2)] = &[("atan2", f64::atan2), ("hypot", f64::hypot)];

/// Functions of any number (at least one) of arguments.
const VARIADIC: &[(&str, Fn2)] = &[("min", f64::min), ("max", f64::max)];

#[derive(Clone, Debug)]
enum Op {
    Const(f64),
    Var(usize),
    Neg(Box<Op>),
    Add(Box<Op>, Box<Op>),
    Sub(Box<Op>, Box<Op>),
    Mul(Box<Op>, Box<Op>),
    Div(Box<Op>, Box<Op>),
    Pow(Box<Op>, Box<Op>),
    Unary(fn(f64) -> f64, Box<Op>),
    Binary(fn(f64, f64) -> f64, Box<Op>, Box<Op>),
    Fold(fn(f64, f64) -> f64, Vec<Op>),
}

impl Op {
    fn eval(&self, vars: &[f64]) -> f64 {
        match self {
            Op::Const(c) => *c,
            Op::Var(i) => vars[*i],
            Op::Neg(a) => -a.eval(vars),
            Op::Add(a, b) => a.eval(vars) + b.eval(vars),
            Op::Sub(a, b) => a.eval(vars) - b.eval(vars),
            Op::Mul(a, b) => a.eval(vars) * b.eval(vars),
            Op::Div(a, b) => a.eval(vars) / b.eval(vars),
            Op::Pow(a, b) => a.eval(vars).powf(b.eval(vars)),
            Op::Unary(f, a) => f(a.eval(vars)),
            Op::Binary(f, a, b) => f(a.eval(vars), b.eval(vars)),
            Op::Fold(f, args) => {
                let mut acc = args[0].eval(vars);
                for a in &args[1..] {
                    acc = f(acc, a.eval(vars));
                }
                acc
            }
        }
    }

    fn depends_on(&self, var: usize) -> bool {
        match self {
            Op::Const(_) => false,
            Op::Var(i) => *i == var,
            Op::Neg(a) | Op::Unary(_, a) => a.depends_on(var),
            Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::Pow(a, b)
            | Op::Binary(_, a, b) => a.depends_on(var) || b.depends_on(var),
            Op::Fold(_, args) => args.iter().any(|a| a.depends_on(var)),
        }
    }
}

/// A compiled scalar expression in a fixed list of variables.
#[derive(Clone, Debug)]
pub struct Expr {
    source: String,
    vars: Vec<String>,
    op: Op,
}

impl Expr {
    /// Parse `source` as an expression in the variables `vars` (evaluated in that order).
    pub fn parse(source: &str, vars: &[&str]) -> Result<Expr> {
        let err = |msg: String| Error::Expression {
            expr: source.to_string(),
            msg,
        };
        if source.trim().is_empty() {
            return Err(err("empty expression".into()));
        }
        let tree =
            build_operator_tree::<DefaultNumericTypes>(source).map_err(|e| err(e.to_string()))?;
        let op = compile(&tree, vars).map_err(err)?;
        Ok(Expr {
            source: source.to_string(),
            vars: vars.iter().map(|v| v.to_string()).collect(),
            op,
        })
    }

    /// Evaluate at the given variable values (same order as at parse time).
    #[inline]
    pub fn eval(&self, values: &[f64]) -> f64 {
        debug_assert_eq!(values.len(), self.vars.len());
        self.op.eval(values)
    }

    /// The text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression mentions the variable `name`.
    pub fn depends_on(&self, name: &str) -> bool {
        self.vars
            .iter()
            .position(|v| v == name)
            .is_some_and(|i| self.op.depends_on(i))
    }
}

/// The variables an expression of a scenario file may use, in the order they are evaluated.
pub trait Variables {
    const NAMES: &'static [&'static str];
}

/// `x, y, z, t`: the position of a node (`z = 0` on grids) and the time.
#[derive(Clone, Copy, Debug)]
pub struct Xyzt;

impl Variables for Xyzt {
    const NAMES: &'static [&'static str] = &["x", "y", "z", "t"];
}

/// `x, y, z, t` and `nx, ny, nz`, the unit normal of a surface mesh at the node (`(0, 0, 1)` on
/// planar domains): initial and boundary maps, so that `["nx", "ny", "nz"]` is the Gauss map.
#[derive(Clone, Copy, Debug)]
pub struct WithNormal;

impl Variables for WithNormal {
    const NAMES: &'static [&'static str] = &["x", "y", "z", "t", "nx", "ny", "nz"];
}

/// An expression of a scenario file in the variables `V`: compiled (every name checked) when
/// the scenario is read, written back as its text.
#[derive(Clone, Debug)]
pub struct Formula<V> {
    expr: Expr,
    vars: std::marker::PhantomData<V>,
}

impl<V: Variables> Formula<V> {
    /// Parse `source` in the variables `V`.
    pub fn parse(source: &str) -> Result<Self> {
        Ok(Formula {
            expr: Expr::parse(source, V::NAMES)?,
            vars: std::marker::PhantomData,
        })
    }
}

impl<V> std::ops::Deref for Formula<V> {
    type Target = Expr;
    fn deref(&self) -> &Expr {
        &self.expr
    }
}

impl<V> serde::Serialize for Formula<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.expr.source())
    }
}

impl<'de, V: Variables> serde::Deserialize<'de> for Formula<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an expression (a string such as \"sin(pi*x)*y\")")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<String, E> {
                Ok(v.to_string())
            }
            // A number is an expression too (`--set initial.u=0`).
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<String, E> {
                Ok(format!("{v:?}"))
            }
        }
        let text = d.deserialize_any(Text)?;
        Formula::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn compile(node: &Node, vars: &[&str]) -> std::result::Result<Op, String> {
    let children = node.children();
    let arity = |n: usize| -> std::result::Result<(), String> {
        if children.len() == n {
            Ok(())
        } else {
            Err(format!(
                "operator `{}` is missing an operand",
                node.operator()
            ))
        }
    };
    let bin = |f: fn(Box<Op>, Box<Op>) -> Op| -> std::result::Result<Op, String> {
        arity(2)?;
        Ok(f(
            Box::new(compile(&children[0], vars)?),
            Box::new(compile(&children[1], vars)?),
        ))
    };
    match node.operator() {
        Operator::RootNode => {
            if children.len() != 1 {
                return Err("empty or malformed (sub)expression".into());
            }
            compile(&children[0], vars)
        }
        Operator::Const { value } => match value {
            Value::Float(f) => Ok(Op::Const(*f)),
            Value::Int(i) => Ok(Op::Const(*i as f64)),
            other => Err(format!("`{other}` is not a number")),
        },
        Operator::VariableIdentifierRead { identifier } => {
            if let Some(i) = vars.iter().position(|v| v == identifier) {
                return Ok(Op::Var(i));
            }
            match identifier.as_str() {
                "pi" => Ok(Op::Const(std::f64::consts::PI)),
                "e" => Ok(Op::Const(std::f64::consts::E)),
                _ => Err(format!(
                    "unknown name `{identifier}` (variables here: {}; constants: pi, e)",
                    vars.join(", ")
                )),
            }
        }
        Operator::Neg => {
            arity(1)?;
            Ok(Op::Neg(Box::new(compile(&children[0], vars)?)))
        }
        Operator::Add => bin(Op::Add),
        Operator::Sub => bin(Op::Sub),
        Operator::Mul => bin(Op::Mul),
        Operator::Div => bin(Op::Div),
        Operator::Exp => {
            arity(2)?;
            // evalexpr groups `a^b^c` as `(a^b)^c`; mathematics reads `a^(b^c)`. An unparenthesized
            // inner power shows up as a direct `Exp` child (parentheses would add a RootNode).
            let (base, exponent) = (&children[0], &children[1]);
            if matches!(base.operator(), Operator::Exp) && base.children().len() == 2 {
                let a = compile(&base.children()[0], vars)?;
                let b = compile(&base.children()[1], vars)?;
                let c = compile(exponent, vars)?;
                return Ok(Op::Pow(
                    Box::new(a),
                    Box::new(Op::Pow(Box::new(b), Box::new(c))),
                ));
            }
            Ok(Op::Pow(
                Box::new(compile(base, vars)?),
                Box::new(compile(exponent, vars)?),
            ))
        }
        Operator::FunctionIdentifier { identifier } => {
            arity(1)?;
            let args = function_args(&children[0], vars)?;
            let name = identifier.as_str();
            let count = |n: usize| -> std::result::Result<(), String> {
                if args.len() == n {
                    Ok(())
                } else {
                    Err(format!(
                        "`{name}` takes {n} argument(s), got {}",
                        args.len()
                    ))
                }
            };
            if let Some((_, f)) = UNARY.iter().find(|(n, _)| *n == name) {
                count(1)?;
                let mut args = args;
                return Ok(Op::Unary(*f, Box::new(args.remove(0))));
            }
            if let Some((_, f)) = BINARY.iter().find(|(n, _)| *n == name) {
                count(2)?;
                let mut it = args.into_iter();
                let (a, b) = (it.next().unwrap(), it.next().unwrap());
                return Ok(Op::Binary(*f, Box::new(a), Box::new(b)));
            }
            if let Some((_, f)) = VARIADIC.iter().find(|(n, _)| *n == name) {
                if args.is_empty() {
                    return Err(format!("`{name}` needs at least one argument"));
                }
                return Ok(Op::Fold(*f, args));
            }
            let known: Vec<&str> = UNARY
                .iter()
                .map(|(n, _)| *n)
                .chain(BINARY.iter().map(|(n, _)| *n))
                .chain(VARIADIC.iter().map(|(n, _)| *n))
                .collect();
            Err(format!(
                "unknown function `{name}` (known: {})",
                known.join(" ")
            ))
        }
        other => Err(format!(
            "operator `{other}` is not allowed in geoflow expressions"
        )),
    }
}

/// A function's argument list: a single expression or a tuple of them.
fn function_args(node: &Node, vars: &[&str]) -> std::result::Result<Vec<Op>, String> {
    let inner = match node.operator() {
        Operator::RootNode if node.children().len() == 1 => &node.children()[0],
        Operator::RootNode => return Err("empty argument list".into()),
        _ => node,
    };
    if matches!(inner.operator(), Operator::Tuple) {
        inner.children().iter().map(|c| compile(c, vars)).collect()
    } else {
        Ok(vec![compile(inner, vars)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str, x: f64, y: f64) -> f64 {
        Expr::parse(s, &["x", "y", "t"])
            .unwrap()
            .eval(&[x, y, 0.25])
    }

    #[test]
    fn arithmetic_is_real() {
        assert_eq!(ev("1/2", 0.0, 0.0), 0.5);
        assert_eq!(ev("-x^2", 3.0, 0.0), -9.0);
        assert_eq!(ev("2^3^2", 0.0, 0.0), 512.0);
        assert_eq!(ev("(2^3)^2", 0.0, 0.0), 64.0);
        assert_eq!(ev("2*-3", 0.0, 0.0), -6.0);
        assert_eq!(ev("x^-1", 4.0, 0.0), 0.25);
        assert_eq!(ev("1e-3 + 2.5E2", 0.0, 0.0), 250.001);
    }

    #[test]
    fn functions_and_constants() {
        let pi = std::f64::consts::PI;
        assert!((ev("0.5*sin(pi*x)*cos(pi*y/2)", 0.5, 0.0) - 0.5).abs() < 1e-15);
        assert_eq!(ev("atan2(y, x)", 1.0, 1.0), pi / 4.0);
        assert_eq!(ev("min(x, y, 0.5)", 1.0, 2.0), 0.5);
        assert_eq!(ev("max(x, y)", 1.0, 2.0), 2.0);
        assert_eq!(ev("ln(e) + log(e^2)", 0.0, 0.0), 3.0);
        assert_eq!(ev("sqrt(abs(-4))", 0.0, 0.0), 2.0);
        assert_eq!(ev("t", 0.0, 0.0), 0.25);
        for f in ["tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp"] {
            assert!(ev(&format!("{f}(0.3)"), 0.0, 0.0).is_finite(), "{f}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let vars = ["x", "y", "t"];
        for (s, needle) in [
            ("sin(x", "parenthes"),
            ("foo(x)", "unknown function `foo`"),
            ("z + 1", "unknown name `z`"),
            ("x +* 2", "missing an operand"),
            ("atan2(x)", "takes 2"),
            ("", "empty"),
            ("\"a\"", "not a number"),
            ("x = 2", "not allowed"),
        ] {
            let e = Expr::parse(s, &vars).unwrap_err().to_string();
            assert!(e.contains(needle), "{s:?}: {e}");
        }
    }

    #[test]
    fn dependence() {
        let e = Expr::parse("x + 0*y", &["x", "y", "t"]).unwrap();
        assert!(e.depends_on("x") && e.depends_on("y") && !e.depends_on("t"));
    }
}
