################################################################################
# Listeners
################################################################################

# The weights belong to the bluegreen controller (design invariant 11: Terraform and the
# controller never both write one setting). Terraform creates each forwarding listener once with
# all traffic on blue (the colour the services and the live-colour parameter start with) and
# never touches its default_action again: `ignore_changes` below. Reading the live colour back
# from SSM instead would make the first plan of a new environment fail (a data source with known
# arguments is read during plan, before the parameter exists) and would let an apply during a
# canary reset the weights the controller is moving. Always the ForwardConfig form with both
# target groups, the form the controller's ModifyListener uses too.

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller owns the weights after creation (see the comment above the listeners).
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

moved {
  from = aws_lb_listener.https
  to   = aws_lb_listener.https[0]
}

# With HTTPS, port 80 only redirects (Terraform owns this one: the controller never changes it).
resource "aws_lb_listener" "http_redirect" {
  # checkov:skip=CKV_AWS_2:This listener only redirects to HTTPS; it never forwards.
  # checkov:skip=CKV_AWS_103:No TLS on a redirect-only plain HTTP listener.
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

moved {
  from = aws_lb_listener.http
  to   = aws_lb_listener.http_redirect[0]
}

# Without a certificate (no domain), port 80 is the production listener itself.
resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2:Only without a domain or certificate (domain_name null): then the ALB's DNS name serves plain HTTP, as the README says.
  # checkov:skip=CKV_AWS_103:Only without a domain or certificate (domain_name null): no TLS to configure.
  count = local.https ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 0
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller owns the weights after creation (see the comment above the listeners).
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

# Optional: the idle colour before it takes production traffic (`bluegreen deploy --smoke`).
# Reachable only from test_listener_cidrs (the networking module's ingress rule). Created all on
# green, the idle colour at creation; afterwards the controller points it at each idle colour.
resource "aws_lb_listener" "test" {
  # checkov:skip=CKV_AWS_2:Plain HTTP only without a certificate; the port admits test_listener_cidrs only, never the internet.
  # checkov:skip=CKV_AWS_103:TLS 1.3 policy when HTTPS (ssl_policy); plain HTTP only without a certificate.
  count = local.test_listener ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  ssl_policy        = local.https ? var.ssl_policy : null
  certificate_arn   = local.https ? local.certificate_arn : null

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["blue"].arn
        weight = 0
      }
      target_group {
        arn    = aws_lb_target_group.this["green"].arn
        weight = 100
      }
      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }

  # The controller points it at the idle colour before each smoke test.
  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}
